"""R25: API calls and exports per user per minute answer 429 with a Chinese message and Retry-After;
the counters live in a cache every worker process shares."""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from api.auth import issue_token


@pytest.fixture
def low_limits(settings):
    settings.RATE_LIMIT_API_PER_MINUTE = 3
    settings.RATE_LIMIT_EXPORTS_PER_MINUTE = 2
    return settings


def _retry_after(response) -> int:
    value = int(response["Retry-After"])
    assert 1 <= value <= 60
    return value


@pytest.mark.django_db
def test_r25_the_fourth_api_call_in_a_minute_gets_429_in_chinese_with_retry_after(low_limits, filer_a, client_for):
    c = client_for(filer_a)
    assert [c.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 200]
    response = c.get("/api/v1/projects")
    assert response.status_code == 429
    retry = _retry_after(response)
    message = response.json()["detail"][0]["message"]
    assert "请求过于频繁" in message and "3 次" in message and f"{retry} 秒" in message


@pytest.mark.django_db
def test_r25_the_limit_is_per_user_and_a_token_counts_for_its_user(low_limits, filer_a, filer_b, client_for):
    token = issue_token(filer_a, "脚本")
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    session = client_for(filer_a)
    assert bearer.get("/api/v1/me").status_code == 200
    assert session.get("/api/v1/me").status_code == 200
    assert bearer.get("/api/v1/me").status_code == 200
    # filer_a has used up 3 calls across token and session: both ways are now refused …
    assert bearer.get("/api/v1/me").status_code == 429
    assert session.get("/api/v1/me").status_code == 429
    # … while another user is not affected.
    assert client_for(filer_b).get("/api/v1/me").status_code == 200


@pytest.mark.django_db
def test_r25_a_new_minute_gives_a_new_allowance(low_limits, filer_a, client_for, monkeypatch):
    import api.ratelimit

    now = [1_800_000_000.0]
    monkeypatch.setattr(api.ratelimit.time, "time", lambda: now[0])
    c = client_for(filer_a)
    for _ in range(3):
        assert c.get("/api/v1/me").status_code == 200
    refused = c.get("/api/v1/me")
    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    now[0] += 60
    assert c.get("/api/v1/me").status_code == 200


@pytest.mark.django_db
def test_r25_exports_are_limited_per_user_per_minute_with_a_chinese_page(low_limits, filer_a, client_for):
    low_limits.RATE_LIMIT_API_PER_MINUTE = 0
    c = client_for(filer_a)
    first, second = c.get("/obligations/export.xlsx"), c.get("/catalogue/export/")
    assert first.status_code == 200 and second.status_code == 200
    refused = c.get("/obligations/export.xlsx")
    assert refused.status_code == 429
    _retry_after(refused)
    html = refused.content.decode()
    assert "导出过于频繁" in html and "每分钟最多导出 2 次" in html
    # Ordinary pages are not exports and are not counted.
    assert c.get("/projects/").status_code == 200


@pytest.mark.django_db
def test_r25_api_exports_count_against_the_export_limit_too(low_limits, filer_a, client_for):
    from tests import factories

    low_limits.RATE_LIMIT_API_PER_MINUTE = 0
    project = factories.project(filer_a)
    c = client_for(filer_a)
    statuses = [c.get(f"/api/v1/funding/projects/{project.pk}/ocds").status_code for _ in range(3)]
    assert statuses[:2] != [429, 429] and statuses[2] == 429


@pytest.mark.django_db
def test_r25_counters_live_in_a_cache_all_worker_processes_share(low_limits, filer_a, client_for):
    backend = settings.CACHES[settings.RATE_LIMIT_CACHE]["BACKEND"]
    assert backend in {"django.core.cache.backends.db.DatabaseCache", "django.core.cache.backends.redis.RedisCache"}
    client_for(filer_a).get("/api/v1/me")
    if backend.endswith("DatabaseCache"):
        table = settings.CACHES[settings.RATE_LIMIT_CACHE]["LOCATION"]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT cache_key FROM {connection.ops.quote_name(table)}")  # noqa: S608 (setting)
            keys = [row[0] for row in cursor.fetchall()]
        assert any(f"rl:api:u{filer_a.pk}:" in key for key in keys)


@pytest.mark.django_db
def test_r25_a_zero_limit_switches_the_limit_off(settings, filer_a, client_for):
    settings.RATE_LIMIT_API_PER_MINUTE = 0
    c = client_for(filer_a)
    assert all(c.get("/api/v1/me").status_code == 200 for _ in range(5))
