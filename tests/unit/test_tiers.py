"""The escalation path: tiers in order, who may work them, and what each may grant."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import delete

from billing.core.errors import InvalidInput, NotFound
from billing.disputes.models import DisputeTier, DisputeTierAuthority
from billing.disputes.tiers import (
    DEFAULT_PATH,
    MAX_RESPONSE_HOURS,
    TierSettings,
    all_tiers,
    authority_minor,
    ensure_default_path,
    first_tier,
    may_work,
    next_tier,
    role_rank,
    save_tier,
)

NOW = datetime(2026, 3, 2, 15, tzinfo=UTC)


@pytest.fixture
def empty_path(session):
    """No tiers at all (the migration seeds the default path)."""
    session.execute(delete(DisputeTierAuthority))
    session.execute(delete(DisputeTier))
    session.flush()
    return session


def settings(name="Tier", role="billing_specialist", hours=16, **authority):
    return TierSettings(name, role, hours, authority or {"USD": 50_000})


def refusal(session, tier_settings, tier_id=None) -> str:
    with pytest.raises(InvalidInput) as refused:
        save_tier(session, tier_settings, NOW, tier_id)
    return str(refused.value)


def test_billing_roles_rank_upwards_and_anyone_else_below_them():
    ranks = [role_rank(r) for r in ("billing_specialist", "billing_supervisor",
                                    "billing_manager", "billing_director")]
    assert ranks == sorted(ranks) and len(set(ranks)) == 4
    assert role_rank("admin") < role_rank("billing_specialist")
    assert role_rank("partner_admin") == role_rank("admin")


@pytest.mark.parametrize("user_role, tier_role, allowed", [
    ("billing_specialist", "billing_specialist", True),
    ("billing_supervisor", "billing_specialist", True),
    ("billing_director", "billing_manager", True),
    ("billing_specialist", "billing_supervisor", False),
    ("billing_manager", "billing_director", False),
    ("admin", "billing_specialist", False),
])
def test_a_tier_is_worked_by_its_role_or_a_higher_billing_role(user_role, tier_role, allowed):
    user = SimpleNamespace(role=user_role, is_billing_staff=user_role.startswith("billing_"))
    assert may_work(user, SimpleNamespace(role=tier_role)) is allowed


def test_tiers_are_added_at_the_end_of_the_path_in_order(empty_path):
    one = save_tier(empty_path, settings("  First  "), NOW)
    two = save_tier(empty_path, settings("Second", "billing_supervisor", 24, USD=500_000), NOW)
    three = save_tier(empty_path, settings("Third", "billing_manager", 40, USD=600_000), NOW)
    assert [(t.level, t.name) for t in all_tiers(empty_path)] == [
        (1, "First"), (2, "Second"), (3, "Third")]
    assert first_tier(empty_path) is one
    assert next_tier(empty_path, one) is two and next_tier(empty_path, two) is three
    assert next_tier(empty_path, three) is None
    assert (two.role, two.response_hours, two.updated_at) == ("billing_supervisor", 24, NOW)


def test_a_path_with_no_tier_cannot_take_a_dispute(empty_path):
    with pytest.raises(InvalidInput) as refused:
        first_tier(empty_path)
    assert str(refused.value) == \
        "No escalation path is set up: an admin must add a tier first."


def test_tiers_follow_their_levels_whatever_order_they_were_stored_in(empty_path):
    for level in (3, 1, 4, 2):
        empty_path.add(DisputeTier(level=level, name=f"Level {level}", role="billing_manager",
                                   response_hours=8, updated_at=NOW))
    empty_path.flush()
    assert [t.level for t in all_tiers(empty_path)] == [1, 2, 3, 4]
    assert first_tier(empty_path).level == 1
    assert next_tier(empty_path, first_tier(empty_path)).level == 2


def test_changing_a_tier_replaces_its_authorities_whole(empty_path):
    tier = save_tier(empty_path, settings(USD=50_000, CAD=60_000), NOW)
    save_tier(empty_path, settings("Renamed", hours=8, EUR=70_000), NOW, tier.id)
    assert (tier.level, tier.name, tier.response_hours) == (1, "Renamed", 8)
    assert authority_minor(tier, "EUR") == 70_000
    assert authority_minor(tier, "USD") == 0 and authority_minor(tier, "CAD") == 0


def test_changing_a_tier_that_does_not_exist_is_not_found(empty_path):
    with pytest.raises(NotFound) as refused:
        save_tier(empty_path, settings(), NOW, tier_id=999)
    assert str(refused.value) == "No such tier."


def test_a_tier_name_is_required_and_at_most_100_characters(empty_path):
    message = "A tier needs a name of at most 100 characters."
    assert refusal(empty_path, settings("   ")) == message
    assert refusal(empty_path, settings("x" * 101)) == message
    assert save_tier(empty_path, settings(" " + "x" * 100 + " "), NOW).name == "x" * 100


def test_a_tier_is_worked_by_a_billing_role(empty_path):
    assert refusal(empty_path, settings(role="admin")) == \
        "A tier is worked by one of the billing roles."


@pytest.mark.parametrize("hours", [0, -1, MAX_RESPONSE_HOURS + 1])
def test_the_response_deadline_is_within_a_year_of_business_hours(empty_path, hours):
    assert refusal(empty_path, settings(hours=hours)) == \
        "The response deadline is 1 to 2340 business hours."


@pytest.mark.parametrize("hours", [1, MAX_RESPONSE_HOURS])
def test_the_response_deadline_bounds_are_allowed(empty_path, hours):
    assert save_tier(empty_path, settings(hours=hours), NOW).response_hours == hours


def test_an_authority_is_never_negative_and_in_a_known_currency(empty_path):
    assert refusal(empty_path, settings(USD=-1)) == "A settlement authority cannot be negative."
    assert refusal(empty_path, settings(XYZ=1)) == "Unsupported currency 'XYZ'."
    assert authority_minor(save_tier(empty_path, settings(USD=0), NOW), "USD") == 0


def test_escalating_never_leads_to_a_lower_role(empty_path):
    save_tier(empty_path, settings("Supervisors", "billing_supervisor"), NOW)
    assert refusal(empty_path, settings("Specialists", "billing_specialist")) == (
        "Tier 2 (Specialists) cannot be worked by a lower role than tier 1 (Supervisors).")


def test_escalating_never_leads_to_a_smaller_authority(empty_path):
    save_tier(empty_path, settings("One", USD=50_000, CAD=50_000), NOW)
    assert refusal(empty_path, settings("Two", USD=50_000, CAD=49_999)) == (
        "Tier 2 (Two) may not grant less in CAD than tier 1 (One).")


def test_escalating_never_drops_a_currency_the_tier_below_may_grant_in(empty_path):
    save_tier(empty_path, settings("One", USD=50_000, CAD=50_000), NOW)
    assert refusal(empty_path, settings("Two", USD=60_000)) == (
        "Tier 2 (Two) may not grant less in CAD than tier 1 (One).")


def test_the_next_tier_may_grant_as_much_as_the_one_below(empty_path):
    save_tier(empty_path, settings("One", USD=50_000, CAD=50_000), NOW)
    same = save_tier(empty_path, settings("Two", "billing_specialist", USD=50_000, CAD=50_000),
                     NOW)
    assert [t.name for t in all_tiers(empty_path)] == ["One", "Two"] and same.level == 2


def test_the_default_path_is_set_up_only_on_an_empty_database(empty_path):
    ensure_default_path(empty_path, NOW)
    tiers = all_tiers(empty_path)
    assert [(t.level, t.name, t.role, t.response_hours) for t in tiers] == [
        (level, name, role, hours) for level, name, role, hours, _ in DEFAULT_PATH]
    assert [authority_minor(t, "EUR") for t in tiers] == [
        limit for *_, limit in DEFAULT_PATH]
    assert {t.updated_at for t in tiers} == {NOW}
    ensure_default_path(empty_path, NOW)
    assert len(all_tiers(empty_path)) == 4
