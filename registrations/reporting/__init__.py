"""What staff read and take away: the group's figures, a session's summary, exports of registrations."""
