"""Data protection: the privacy notice, the person's data (export, erasure), retention and the audit log."""
