"""Mail: mailings, the outbox every message goes through, and the tasks that send them."""
