"""The rate limits on a real Redis: one round trip per counted POST, the window's expiry set once."""

import pytest
import redis
from django.core.cache import cache

from registrations.models import Registration
from registrations.ratelimit import hit
from tests.factories import SessionFactory
from tests.registrations.helpers import form_data

pytestmark = [pytest.mark.services, pytest.mark.django_db]


@pytest.fixture
def redis_cache(settings, own_redis):
    settings.CACHES = {
        "default": {
            "BACKEND": "copolad_wg.cache.FailSafeRedisCache",
            "LOCATION": own_redis.url,
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5, "retry_after": 10},
        }
    }
    return redis.Redis.from_url(own_redis.url)


def test_a_counted_post_is_one_round_trip_and_the_window_expires(redis_cache):
    calls = []
    client = cache._cache.get_client(write=True)
    original = client.pipeline

    def counting_pipeline(*args, **kwargs):
        calls.append("pipeline")
        return original(*args, **kwargs)

    client.pipeline = counting_pipeline
    answers = [hit(scope="test", key="198.51.100.7", limit=3, period=600) for _ in range(4)]

    (key,) = redis_cache.keys("*ratelimit:test:*")
    assert answers == [True, True, True, False]
    assert calls == ["pipeline"] * 4
    assert int(redis_cache.get(key)) == 4
    assert 600 < redis_cache.ttl(key) <= 605


def test_the_register_form_answers_429_past_the_limit_per_address(redis_cache, client, settings):
    settings.REGISTRATION_RATE_LIMIT = (2, 600)
    session = SessionFactory()
    url = f"/es/registrations/sessions/{session.slug}/register/"

    statuses = [client.post(url, form_data(f"person{number}@example.org")).status_code for number in range(3)]

    assert statuses == [302, 302, 429]
    assert Registration.objects.count() == 2
