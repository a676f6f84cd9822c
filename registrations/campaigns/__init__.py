"""The mailings: who they go to (audiences), what each person reads (rendering), building and
queueing them into the outbox, the automatic ones (reminders, the update when a session moves),
and the one-click opt-out. Above the participants, whose registrations they read."""
