"""The e-mail outbox: every message is a Delivery row first, then sent by a Celery task.

``queue_email`` stores a message in the recipient's language, rendered at once or (a registrant's
message) left for the worker to render just before sending; the worker is told only after the
surrounding transaction commits (``enqueue_delivery``). ``send_delivery`` takes the row's send
lock, skips the row if it was already sent, sends it and records the outcome, so running it twice
sends once. ``send_delivery_batch`` does the same for several rows over one SMTP connection: it
takes the send locks of its rows (leaving any that another worker holds to that worker), reads them
once, then sends one message at a time and commits each outcome before the next message goes out.

Transactional messages (a registrant's, a password reset) are not a task each: a request that
queues one wakes the sender (``wake_sender``: one cache ``add``), and the sender task
(``send_queued``) sends whatever is queued, in batches, until nothing is. A registration rush thus
costs the worker a few tasks and connections instead of one per message: Celery's own work on a
task costs more than writing and sending the message (the figures are in bench/README.md).

The one window in which a message can go out twice: the SMTP server accepted it and the process
died before the row was marked sent (the commit right after ``send``). The row is then still
queued and is sent again; at most the messages in flight at the crash, one per worker process
(a batch sends one message at a time and commits each, so a batch adds nothing to that bound).
A dead worker's send locks end with its database connection: the rest of its batch stays queued,
and the sweeper (``requeue_stuck_deliveries``) hands it out again.
The resent copy carries the same Message-ID, stored on the row when it was queued, so mail
clients that de-duplicate show it once.

Modules: ``queueing`` (store a message, wake the sender), ``sending`` (send and record the
outcome), ``locks`` (the send locks), ``suppression`` (addresses that get nothing), ``erasure``
(a person's rows scrubbed), ``upkeep`` (the sweeper, health, a mailing's end), ``mime`` (the bytes)
and ``tasks`` (every Celery task of the outbox). The outbox imports none of the participants' or
campaigns' code: a registrant's message is written by the renderer named in OUTBOX_RENDERER. A stored
message holds a placeholder where a private link's key goes; ``sending.sent_bodies`` writes the key
(``registrations.link_keys``, pure functions) only into the bytes handed to the mail server.
"""
