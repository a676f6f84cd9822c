"""Counters on a real Redis: the rate limits (one round trip per counted POST, the window's expiry
set once) and the generations that invalidate what is cached (one round trip per bump)."""

import pytest
import redis
from django.core.cache import cache

from common import pagecache
from common.ratelimit import hit
from registrations.models import Registration
from tests.factories import InstitutionFactory, SessionFactory
from tests.registrations.helpers import form_data
from tests.support.caches import fail_safe_redis

pytestmark = [pytest.mark.services, pytest.mark.django_db]


@pytest.fixture
def redis_cache(settings, own_redis):
    settings.CACHES = {"default": fail_safe_redis(own_redis.url, timeout=0.5)}
    return redis.Redis.from_url(own_redis.url)


def count_pipelines(monkeypatch):
    """The pipelines the cache's one redis client sends (each is one round trip)."""
    calls = []
    client = cache._cache.get_client(write=True)
    original = client.pipeline

    def counting_pipeline(*args, **kwargs):
        calls.append("pipeline")
        return original(*args, **kwargs)

    monkeypatch.setattr(client, "pipeline", counting_pipeline)
    return calls


def test_a_counted_post_is_one_round_trip_and_the_window_expires(redis_cache, monkeypatch):
    calls = count_pipelines(monkeypatch)
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


def test_a_generation_starts_from_the_clock_and_each_bump_is_one_round_trip(redis_cache, monkeypatch):
    calls = count_pipelines(monkeypatch)

    pagecache.bump("test-generation")
    first = int(redis_cache.get(next(iter(redis_cache.keys("*pagecache:generation:test-generation")))))
    pagecache.bump("test-generation")

    (key,) = redis_cache.keys("*pagecache:generation:test-generation")
    assert int(redis_cache.get(key)) == first + 1
    assert first > 1_700_000_000_000  # milliseconds of the clock: no page was stored under it before
    assert redis_cache.ttl(key) == -1  # kept for good
    assert calls == ["pipeline"] * 2


@pytest.mark.django_db(transaction=True)
def test_an_institution_added_shows_at_once_in_every_process_through_redis(redis_cache, client):
    session = SessionFactory()
    url = f"/en/registrations/sessions/{session.slug}/register/"
    client.get(url)  # the institutions (none) are kept

    institution = InstitutionFactory(name="Junta Nacional de Drogas", country="UY")

    assert f'<option value="{institution.pk}" data-country="UY">Junta Nacional de Drogas</option>' in (
        client.get(url).content.decode()
    )
