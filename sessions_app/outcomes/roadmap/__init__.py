"""The roadmap tracker: the group's actions as a public page that focal points and staff keep current.

``tracker`` reads (status with overdue computed, grouping, filters, counts), ``updates`` writes the
timeline, ``reminders`` e-mails the focal points about due and overdue actions.
"""
