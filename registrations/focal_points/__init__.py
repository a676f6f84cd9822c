"""Focal points: who speaks for a country, their register of institutions, nominations and answers."""
