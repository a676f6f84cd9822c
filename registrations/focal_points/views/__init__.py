"""The focal-point area: a signed-in, active focal point sees and changes only their country's data.

Anonymous visitors are sent to the sign-in page; signed-in users who are not (or no longer) focal
points get 403; another country's object is 404, never 403, so its existence is not revealed.
"""
