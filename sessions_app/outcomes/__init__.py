"""After the session: attendance, conclusions, roadmap, documents, PDFs and certificates.

The one part of ``sessions_app`` that may import ``registrations``: the session core below it
knows nothing of participants.
"""
