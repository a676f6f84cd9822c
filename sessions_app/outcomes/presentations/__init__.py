"""Speakers' files per agenda item: who may add them (staff, a speaker's upload link), who may read them."""
