"""The time zone picker: the member's country on the account page, every other zone a region and a country away."""

from __future__ import annotations

from carecircle.lib.time_zones import (
    city_label,
    countries_for,
    countries_in_region,
    country_of_phone,
    country_of_zone,
    country_zones,
    is_offered,
    listed_zones,
    region_of_country,
    regions,
    short_choices,
    zones_by_country,
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


def test_the_short_list_is_the_members_countries_then_their_zone_and_utc() -> None:
    groups = short_choices(countries=["PL", "GB"], current_zone="Asia/Tokyo")
    assert [name for name, _ in groups] == ["Poland", "United Kingdom", "Other"]
    assert groups[0][1] == [("Europe/Warsaw", "Warsaw")]
    assert groups[-1][1] == [("Asia/Tokyo", "Tokyo"), ("UTC", "UTC (Coordinated Universal Time)")]


def test_a_country_with_several_zones_lists_them_all() -> None:
    first_name, first_zones = short_choices(countries=["US"])[0]
    assert first_name == "United States"
    values = [zone for zone, _ in first_zones]
    assert values[0] == "America/New_York"
    assert "America/Los_Angeles" in values
    assert "Pacific/Honolulu" in values


def test_every_country_zone_is_a_region_and_a_country_away() -> None:
    reachable = {
        zone for region in regions() for code, _ in countries_in_region(region) for zone in country_zones(code)
    }
    # Every zone a country uses (the names left out are older aliases of these, like Asia/Calcutta).
    assert reachable == {zone for zones in zones_by_country().values() for zone in zones}
    assert reachable <= set(listed_zones())
    assert ("ES", "Spain") in countries_in_region("Africa")
    assert ("ES", "Spain") in countries_in_region("Europe")
    assert region_of_country("GB") == "Europe"
    assert country_zones("XX") == ()


def test_an_older_name_the_member_already_uses_stays_offered() -> None:
    assert "US/Eastern" not in listed_zones()
    assert is_offered("US/Eastern", current_zone="US/Eastern")
    assert not is_offered("US/Eastern")
    offered = [zone for _, choices in short_choices(countries=["GB"], current_zone="US/Eastern") for zone, _ in choices]
    assert "US/Eastern" in offered
    unknown = short_choices(countries=["GB"], current_zone="Mars/Olympus_Mons")
    assert "Mars/Olympus_Mons" not in [zone for _, choices in unknown for zone, _ in choices]
    assert not is_offered("Mars/Olympus_Mons", current_zone="Mars/Olympus_Mons")


def test_city_labels_read_as_places() -> None:
    assert city_label("Europe/Isle_of_Man") == "Isle of Man"
    assert city_label("America/Indiana/Knox") == "Indiana, Knox"
    assert city_label("UTC") == "UTC (Coordinated Universal Time)"
