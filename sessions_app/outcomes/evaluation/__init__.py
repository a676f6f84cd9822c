"""The participants' anonymous evaluation of a session: questions, answers kept apart from people, results."""
