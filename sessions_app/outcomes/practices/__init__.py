"""The catalogue of good practices: proposed by focal points, reviewed by staff, read by everyone.

It sits at the outcomes layer: it may import registrations (countries' institutions and focal
points), the agenda, the session core and the outcomes wing's file rules; nothing below imports it.
"""
