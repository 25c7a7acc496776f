"""The time zone picker: the member's country first, then the rest grouped by region."""

from __future__ import annotations

from carecircle.lib.time_zones import (
    city_label,
    countries_for,
    country_of_phone,
    country_of_zone,
    grouped_choices,
    listed_zones,
)


def test_a_phone_prefix_names_its_country() -> None:
    assert country_of_phone("+447911123456") == "GB"
    assert country_of_phone("+48601234567") == "PL"
    assert country_of_phone("+35312345678") == "IE"
    assert country_of_phone("") is None
    assert country_of_phone("not a number") is None


def test_a_zone_names_its_country() -> None:
    assert country_of_zone("Europe/London") == "GB"
    assert country_of_zone("Europe/Warsaw") == "PL"
    assert country_of_zone("UTC") is None


def test_the_countries_come_from_the_phone_then_the_zone_then_the_united_kingdom() -> None:
    assert countries_for(phone="+48601234567", current_zone="Europe/London") == ["PL", "GB"]
    assert countries_for(phone="", current_zone="Europe/Dublin") == ["IE"]
    assert countries_for(phone="+447911123456", current_zone="Europe/London") == ["GB"]
    assert countries_for(phone="", current_zone="UTC") == ["GB"]


def test_the_first_group_is_the_members_country() -> None:
    groups = grouped_choices(countries=["GB"])
    assert groups[0] == ("United Kingdom", [("Europe/London", "London")])
    assert groups[1][0] == "Africa"


def test_a_country_with_several_zones_lists_them_all_first() -> None:
    first_name, first_zones = grouped_choices(countries=["US"])[0]
    assert first_name == "United States"
    values = [zone for zone, _ in first_zones]
    assert values[0] == "America/New_York"
    assert "America/Los_Angeles" in values
    assert "Pacific/Honolulu" in values


def test_every_listed_zone_is_offered_exactly_once() -> None:
    groups = grouped_choices(countries=["PL", "GB"])
    offered = [zone for _, choices in groups for zone, _ in choices]
    assert sorted(offered) == sorted(listed_zones())
    assert len(offered) == len(set(offered))
    assert [name for name, _ in groups[:2]] == ["Poland", "United Kingdom"]
    assert groups[-1][0] == "Other"
    assert ("UTC", "UTC (Coordinated Universal Time)") in groups[-1][1]


def test_an_older_name_the_member_already_uses_stays_offered() -> None:
    assert "US/Eastern" not in listed_zones()
    offered = [
        zone for _, choices in grouped_choices(countries=["GB"], current_zone="US/Eastern") for zone, _ in choices
    ]
    assert "US/Eastern" in offered
    unknown = grouped_choices(countries=["GB"], current_zone="Mars/Olympus_Mons")
    assert "Mars/Olympus_Mons" not in [zone for _, choices in unknown for zone, _ in choices]


def test_city_labels_read_as_places() -> None:
    assert city_label("Europe/Isle_of_Man") == "Isle of Man"
    assert city_label("America/Indiana/Knox") == "Indiana, Knox"
    assert city_label("UTC") == "UTC (Coordinated Universal Time)"
