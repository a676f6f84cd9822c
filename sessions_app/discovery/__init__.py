"""The discovery wing: search, the Atom feed and the read-only JSON API over every wing's public content.

It reads the session core, the registrations layer (never personal data), the outcomes wing and the
good-practice catalogue, so it sits above all of them, just below the project package; nothing but
``copolad_wg`` imports it (an import-linter contract says so).
"""
