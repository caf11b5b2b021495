"""Attribution models: hand-computed cases, exact references and properties."""

from __future__ import annotations

import itertools
import math
import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cac_toolkit.figures import attribution
from cac_toolkit.figures.attribution import (
    MODELS,
    account_credits,
    channel_credits,
    compare_models,
    markov_removal_effects,
    shapley_values,
)

TOUCH_MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based")
JOURNEY_MODELS = (*TOUCH_MODELS, "markov", "shapley")


# ---------------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------------
def _dates(values: list[str]) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype="str"), format="ISO8601")


def acq(*rows: tuple[str, str, str]) -> pd.DataFrame:
    """Acquisitions from (account_id, acquired_date, deal channel)."""
    return pd.DataFrame({
        "account_id": pd.Series([r[0] for r in rows], dtype="str"),
        "acquired_date": _dates([r[1] for r in rows]),
        "channel": pd.Series([r[2] for r in rows], dtype="str"),
    })


def tps(*rows: tuple[str, str, str]) -> pd.DataFrame:
    """Touchpoints from (account_id, timestamp, channel)."""
    return pd.DataFrame({
        "account_id": pd.Series([r[0] for r in rows], dtype="str"),
        "timestamp": _dates([r[1] for r in rows]),
        "channel": pd.Series([r[2] for r in rows], dtype="str"),
    })


def journeys_to_frames(converting: dict[str, int], non_converting: dict[str, int],
                       untouched: tuple[str, ...] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Acquisitions and touchpoints reproducing aggregated paths "A > B" -> count.

    Converting accounts are acquired on 2026-03-31; touches are one day apart in path order.
    """
    acq_rows, tp_rows = [], []
    for label, paths in (("c", converting), ("n", non_converting)):
        number = 0
        for path, count in paths.items():
            for _ in range(count):
                number += 1
                account = f"{label}{number}"
                if label == "c":
                    acq_rows.append((account, "2026-03-31", "Deal"))
                for day, channel in enumerate(part.strip() for part in path.split(">")):
                    tp_rows.append((account, f"2026-03-{day + 1:02d} 10:00", channel))
    for number, channel in enumerate(untouched):
        acq_rows.append((f"u{number}", "2026-03-31", channel))
    return acq(*acq_rows), tps(*tp_rows)


def credits_of(account: str, table: pd.DataFrame) -> dict[str, float]:
    rows = table[table["account_id"] == account]
    return dict(zip(rows["channel"], rows["credit"], strict=True))


# ---------------------------------------------------------------------------------------------
# Contract and validation
# ---------------------------------------------------------------------------------------------
def test_models_tuple_is_the_contract_list():
    assert MODELS == ("deal", "first_touch", "last_touch", "linear", "time_decay",
                      "position_based", "markov", "shapley")


def test_unknown_model_is_a_value_error_listing_valid_models():
    with pytest.raises(ValueError) as error:
        channel_credits(acq(("a", "2026-01-01", "X")), None, "u_shaped")
    message = str(error.value)
    assert "u_shaped" in message
    for model in MODELS:
        assert model in message
    with pytest.raises(ValueError, match="first_touch"):
        account_credits(acq(("a", "2026-01-01", "X")), None, "W")


@pytest.mark.parametrize("kwargs", [{"half_life_days": 0}, {"half_life_days": float("nan")},
                                    {"position_weights": (0.5, 0.5)},
                                    {"position_weights": (-1, 1, 1)},
                                    {"position_weights": (0, 0, 0)}, {"markov_order": 0},
                                    {"markov_order": 1.5}])
def test_bad_parameters_raise_value_error(kwargs):
    with pytest.raises(ValueError):
        channel_credits(acq(("a", "2026-01-01", "X")), None, "linear", **kwargs)


def test_duplicate_accounts_in_acquisitions_are_refused():
    with pytest.raises(ValueError, match="unique"):
        channel_credits(acq(("a", "2026-01-01", "X"), ("a", "2026-01-02", "Y")), None, "deal")


def test_output_shapes_and_dtypes():
    a = acq(("a", "2026-01-10", "Deal"), ("b", "2026-01-10", "Deal"))
    t = tps(("a", "2026-01-01", "Search"), ("a", "2026-01-02", "Email"))
    table = account_credits(a, t, "linear")
    assert list(table.columns) == ["account_id", "channel", "credit"]
    assert table["account_id"].dtype == "str" and table["channel"].dtype == "str"
    assert table["credit"].dtype == "float64"
    assert table.to_dict("records") == [
        {"account_id": "a", "channel": "Email", "credit": 0.5},
        {"account_id": "a", "channel": "Search", "credit": 0.5},
        {"account_id": "b", "channel": "Deal", "credit": 1.0},
    ]
    series = channel_credits(a, t, "linear")
    assert series.name == "credit" and series.index.name == "channel"
    assert series.to_dict() == {"Deal": 1.0, "Email": 0.5, "Search": 0.5}


def test_no_acquisition_gives_empty_results():
    empty = acq()
    t = tps(("x", "2026-01-01", "Search"))
    for model in MODELS:
        assert channel_credits(empty, t, model).sum() == 0
        assert account_credits(empty, t, model).empty


# ---------------------------------------------------------------------------------------------
# deal and untouched accounts
# ---------------------------------------------------------------------------------------------
def test_deal_model_gives_the_deal_channel_whatever_the_touches():
    a = acq(("a", "2026-01-10", "Outbound"), ("b", "2026-01-10", "Inbound"))
    t = tps(("a", "2026-01-01", "Search"))
    assert channel_credits(a, t, "deal").to_dict() == {"Inbound": 1.0, "Outbound": 1.0,
                                                       "Search": 0.0}
    assert channel_credits(a, None, "deal").to_dict() == {"Inbound": 1.0, "Outbound": 1.0}
    assert credits_of("a", account_credits(a, t, "deal")) == {"Outbound": 1.0}


@pytest.mark.parametrize("model", JOURNEY_MODELS)
def test_account_without_counted_touch_keeps_its_deal_channel(model):
    a = acq(("a", "2026-01-10", "Outbound"), ("b", "2026-01-10", "Inbound"),
            ("c", "2026-01-10", "Partners"))
    # b has no touch at all; c only touches after its acquisition day.
    t = tps(("a", "2026-01-01", "Search"), ("c", "2026-01-11 00:00", "Search"),
            ("z", "2026-01-05", "Social"))
    table = account_credits(a, t, model, period_end=pd.Timestamp("2026-01-31"))
    assert credits_of("b", table) == {"Inbound": 1.0}
    assert credits_of("c", table) == {"Partners": 1.0}
    assert credits_of("a", table) == pytest.approx({"Search": 1.0})
    totals = channel_credits(a, t, model, period_end=pd.Timestamp("2026-01-31"))
    assert totals["Inbound"] == 1.0 and totals["Partners"] == 1.0 and totals["Outbound"] == 0.0
    assert totals.sum() == pytest.approx(3.0)


def test_no_touchpoints_table_means_deal_channels_for_every_model():
    a = acq(("a", "2026-01-10", "Outbound"), ("b", "2026-01-10", "Inbound"))
    for model in MODELS:
        assert channel_credits(a, None, model).to_dict() == {"Inbound": 1.0, "Outbound": 1.0}


# ---------------------------------------------------------------------------------------------
# Touch-level models, by hand
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("model", JOURNEY_MODELS)
def test_one_touch_journey_gets_everything(model):
    a = acq(("a", "2026-02-01", "Deal"))
    t = tps(("a", "2026-01-03 09:00", "Search"))
    assert credits_of("a", account_credits(a, t, model)) == pytest.approx({"Search": 1.0})


def test_two_touches_by_hand():
    a = acq(("a", "2026-01-15", "Deal"))
    # Ages 7 days and 0 days (same day as acquisition, 18:30 still counts).
    t = tps(("a", "2026-01-08 12:00", "Search"), ("a", "2026-01-15 18:30", "Email"))
    expected = {
        "first_touch": {"Search": 1.0},
        "last_touch": {"Email": 1.0},
        "linear": {"Search": 0.5, "Email": 0.5},
        # weights 2^(-7/7) = 1/2 and 2^0 = 1, normalised: 1/3 and 2/3
        "time_decay": {"Search": 1 / 3, "Email": 2 / 3},
        "position_based": {"Search": 0.5, "Email": 0.5},
    }
    for model, credits in expected.items():
        assert credits_of("a", account_credits(a, t, model)) == pytest.approx(credits), model


def test_repeated_channels_accumulate():
    a = acq(("a", "2026-01-31", "Deal"))
    t = tps(("a", "2026-01-01", "Search"), ("a", "2026-01-02", "Email"),
            ("a", "2026-01-03", "Search"), ("a", "2026-01-04", "Social"),
            ("a", "2026-01-05", "Search"))
    assert credits_of("a", account_credits(a, t, "linear")) == pytest.approx(
        {"Search": 0.6, "Email": 0.2, "Social": 0.2})
    # 40 % first + 40 % last + 20 % / 3 for the middle Search.
    assert credits_of("a", account_credits(a, t, "position_based")) == pytest.approx(
        {"Search": 0.8 + 0.2 / 3, "Email": 0.2 / 3, "Social": 0.2 / 3})
    assert credits_of("a", account_credits(a, t, "first_touch")) == {"Search": 1.0}
    # Shapley and Markov work on the channel set of a single journey here: equal shares.
    assert credits_of("a", account_credits(a, t, "shapley")) == pytest.approx(
        {"Search": 1 / 3, "Email": 1 / 3, "Social": 1 / 3})


def test_position_based_middle_touches_share_the_middle_weight():
    a = acq(("a", "2026-01-31", "Deal"))
    t = tps(("a", "2026-01-01", "A"), ("a", "2026-01-02", "B"), ("a", "2026-01-03", "C"),
            ("a", "2026-01-04", "D"))
    assert credits_of("a", account_credits(a, t, "position_based")) == pytest.approx(
        {"A": 0.4, "B": 0.1, "C": 0.1, "D": 0.4})


def test_position_based_non_default_weights():
    a = acq(("two", "2026-01-31", "Deal"), ("three", "2026-01-31", "Deal"),
            ("flat", "2026-01-31", "Deal"))
    t = tps(("two", "2026-01-01", "A"), ("two", "2026-01-02", "B"),
            ("three", "2026-01-01", "A"), ("three", "2026-01-02", "B"),
            ("three", "2026-01-03", "C"))
    # Weights are normalised: (2, 0, 1) -> 2/3, 0, 1/3; two touches share 2:1.
    table = account_credits(a, t, "position_based", position_weights=(2, 0, 1))
    assert credits_of("two", table) == pytest.approx({"A": 2 / 3, "B": 1 / 3})
    assert credits_of("three", table) == pytest.approx({"A": 2 / 3, "C": 1 / 3})  # B has 0
    # Only a middle weight, two touches: nothing to give, they share equally.
    table = account_credits(a, t, "position_based", position_weights=(0, 1, 0))
    assert credits_of("two", table) == pytest.approx({"A": 0.5, "B": 0.5})
    assert credits_of("three", table) == pytest.approx({"B": 1.0})


def test_time_decay_counts_age_in_whole_calendar_days():
    a = acq(("a", "2026-03-10", "Deal"))
    # 23:59 the day before is 1 day old; 00:01 seven days before is 7 days old.
    t = tps(("a", "2026-03-03 00:01", "Old"), ("a", "2026-03-09 23:59", "Recent"))
    w_old, w_recent = 2 ** (-7 / 7), 2 ** (-1 / 7)
    total = w_old + w_recent
    assert credits_of("a", account_credits(a, t, "time_decay")) == pytest.approx(
        {"Old": w_old / total, "Recent": w_recent / total})
    # Half-life of 1 day: weights 2^-7 and 2^-1.
    table = account_credits(a, t, "time_decay", half_life_days=1)
    assert credits_of("a", table) == pytest.approx({"Old": 1 / 65, "Recent": 64 / 65})


def test_time_decay_very_old_touches_do_not_underflow():
    a = acq(("a", "2026-03-10", "Deal"))
    t = tps(("a", "1990-01-01", "Old"), ("a", "1990-01-02", "Older?"))
    table = account_credits(a, t, "time_decay", half_life_days=0.5)
    assert table["credit"].sum() == pytest.approx(1.0)
    assert credits_of("a", table)["Older?"] == pytest.approx(4 / 5)


def test_touches_after_acquisition_are_ignored_same_day_counted():
    a = acq(("a", "2026-01-15", "Deal"))
    t = tps(("a", "2026-01-15 23:59:59", "SameDay"), ("a", "2026-01-16 00:00", "NextDay"),
            ("a", "2026-01-10", "Before"))
    for model in JOURNEY_MODELS:
        table = account_credits(a, t, model)
        assert "NextDay" not in credits_of("a", table), model
    assert credits_of("a", account_credits(a, t, "last_touch")) == {"SameDay": 1.0}
    assert credits_of("a", account_credits(a, t, "first_touch")) == {"Before": 1.0}


def test_ties_in_time_keep_the_row_order():
    a = acq(("a", "2026-01-15", "Deal"), ("b", "2026-01-15", "Deal"))
    t = tps(("b", "2026-01-05 10:00", "Late"),  # row order is not time order
            ("a", "2026-01-05 10:00", "RowFirst"), ("a", "2026-01-05 10:00", "RowSecond"),
            ("b", "2026-01-01 10:00", "Early"), ("a", "2026-01-02 10:00", "Earliest"))
    assert credits_of("a", account_credits(a, t, "first_touch")) == {"Earliest": 1.0}
    assert credits_of("a", account_credits(a, t, "last_touch")) == {"RowSecond": 1.0}
    swapped = t.iloc[[0, 2, 1, 3, 4]]
    assert credits_of("a", account_credits(a, swapped, "last_touch")) == {"RowFirst": 1.0}
    assert credits_of("b", account_credits(a, t, "first_touch")) == {"Early": 1.0}


def test_ties_keep_the_row_order_when_rows_are_already_grouped():
    # Rows grouped by account in time order are used as they are (no sort): same tie rule.
    a = acq(("a", "2026-01-15", "Deal"))
    t = tps(("a", "2026-01-02 10:00", "Earliest"), ("a", "2026-01-05 10:00", "RowFirst"),
            ("a", "2026-01-05 10:00", "RowSecond"))
    assert credits_of("a", account_credits(a, t, "last_touch")) == {"RowSecond": 1.0}
    swapped = t.iloc[[0, 2, 1]]
    assert credits_of("a", account_credits(a, swapped, "last_touch")) == {"RowFirst": 1.0}
    assert credits_of("a", account_credits(a, swapped, "first_touch")) == {"Earliest": 1.0}


@pytest.mark.parametrize("model", JOURNEY_MODELS)
def test_credits_do_not_depend_on_the_order_of_touchpoint_rows(model):
    # journeys_to_frames writes rows grouped by account in time order (used as they are);
    # shuffled, the same rows need the sort. Timestamps within an account are distinct.
    a, t = journeys_to_frames(TOY_CONVERTING, TOY_NULL, untouched=("Partners",))
    shuffled = t.sample(frac=1.0, random_state=5)
    runs = (shuffled["account_id"] != shuffled["account_id"].shift()).sum()
    assert runs > shuffled["account_id"].nunique()  # really not grouped any more
    pd.testing.assert_series_equal(channel_credits(a, shuffled, model),
                                   channel_credits(a, t, model), atol=1e-12)
    pd.testing.assert_frame_equal(account_credits(a, shuffled, model),
                                  account_credits(a, t, model), atol=1e-12)


def test_incomplete_touchpoint_rows_are_ignored():
    a = acq(("a", "2026-01-15", "Deal"))
    t = tps(("a", "2026-01-01", "Search"), ("a", "2026-01-02", "Email"))
    t.loc[len(t)] = ["a", pd.NaT, "Broken"]
    t.loc[len(t)] = ["a", pd.Timestamp("2026-01-03"), None]
    assert credits_of("a", account_credits(a, t, "linear")) == pytest.approx(
        {"Search": 0.5, "Email": 0.5})


def test_other_datetime_units_and_time_zones():
    a = acq(("a", "2026-01-15", "Deal"))
    a["acquired_date"] = a["acquired_date"].astype("datetime64[s]")
    t = tps(("a", "2026-01-15 23:00", "SameDay"), ("a", "2026-01-01", "Before"))
    t["timestamp"] = t["timestamp"].astype("datetime64[us]").dt.tz_localize("Europe/Paris")
    assert credits_of("a", account_credits(a, t, "last_touch")) == {"SameDay": 1.0}


# ---------------------------------------------------------------------------------------------
# Markov
# ---------------------------------------------------------------------------------------------
TOY_CONVERTING = {"Search > Email > Direct": 2, "Social > Search": 1, "Search": 1,
                  "Email > Direct": 1}
TOY_NULL = {"Search > Email > Direct": 1, "Social > Search": 2, "Search": 3,
            "Email > Direct": 1, "Social": 2}
TOY_EFFECTS = {"Search": 0.76, "Email": 0.60, "Direct": 0.60, "Social": 0.228}
TOY_CREDITS = {"Search": 1.7367, "Email": 1.3711, "Direct": 1.3711, "Social": 0.5210}


def test_markov_stack_notes_toy_removal_effects():
    effects = markov_removal_effects(TOY_CONVERTING, TOY_NULL)
    assert effects.to_dict() == pytest.approx(TOY_EFFECTS, abs=1e-12)
    assert effects.attrs["conversion_probability"] == pytest.approx(5 / 14, abs=1e-15)
    assert effects.name == "removal_effect"


def test_markov_stack_notes_toy_credits_from_tables():
    a, t = journeys_to_frames(TOY_CONVERTING, TOY_NULL, untouched=("Partners",))
    credits = channel_credits(a, t, "markov")
    assert credits.drop(["Partners", "Deal"]).round(4).to_dict() == TOY_CREDITS
    assert credits["Partners"] == 1.0 and credits["Deal"] == 0.0
    assert credits.sum() == pytest.approx(6.0)
    # Exactly the normalised removal effects x 5 touched new customers.
    effects = pd.Series(TOY_EFFECTS)
    expected = effects / effects.sum() * 5
    assert credits[expected.index].to_numpy() == pytest.approx(expected.to_numpy(), abs=1e-12)


def test_markov_account_credits_follow_channel_weights_and_match_totals():
    a, t = journeys_to_frames(TOY_CONVERTING, TOY_NULL)
    table = account_credits(a, t, "markov")
    sums = table.groupby("account_id")["credit"].sum()
    assert sums.to_numpy() == pytest.approx(np.ones(len(a)), abs=1e-12)
    totals = table.groupby("channel")["credit"].sum()
    target = channel_credits(a, t, "markov")
    assert totals.to_numpy() == pytest.approx(target[totals.index].to_numpy(), abs=1e-8)
    # Single-channel journeys give all to their channel; the two Email > Direct journeys
    # split identically, and in the same ratio as inside Search > Email > Direct.
    assert credits_of("c4", table) == {"Search": 1.0}
    ed = credits_of("c5", table)
    sed = credits_of("c1", table)
    assert ed["Email"] / ed["Direct"] == pytest.approx(sed["Email"] / sed["Direct"])


def test_markov_account_split_when_totals_cannot_be_met():
    # Journeys Search, Search, Email > Search > Email, all converting (same timestamps: row
    # order). P = 1; without Search 1/6, without Email 4/9: effects 5/6 and 5/9, credits
    # Search 1.8 and Email 1.2, but only one account touched Email: it gives Email all it can.
    a = acq(("s1", "2026-01-01", "Deal"), ("s2", "2026-01-01", "Deal"),
            ("es", "2026-01-01", "Deal"), ("none", "2026-01-01", "Deal"))
    t = tps(("s1", "2026-01-01", "Search"), ("s2", "2026-01-01", "Search"),
            ("s2", "2026-01-01", "Search"), ("es", "2026-01-01", "Email"),
            ("es", "2026-01-01", "Search"), ("es", "2026-01-01", "Email"))
    totals = channel_credits(a, t, "markov")
    assert totals.to_dict() == pytest.approx({"Deal": 1.0, "Email": 1.2, "Search": 1.8})
    table = account_credits(a, t, "markov")
    assert credits_of("s1", table) == {"Search": 1.0}
    assert credits_of("none", table) == {"Deal": 1.0}
    assert credits_of("es", table) == {"Email": 1.0}
    assert table["credit"].sum() == pytest.approx(4.0)


def test_markov_non_converting_paths_by_hand():
    # start -> A (1/2) -> B (1) ; start -> B (1/2) ; B -> conversion 1/2, null 1/2.
    # P = 1/2. Without A: 1/2 * 1/2 = 1/4 -> effect 1/2. Without B: 0 -> effect 1.
    effects = markov_removal_effects([["A", "B"]], ["B"])
    assert effects.to_dict() == pytest.approx({"A": 0.5, "B": 1.0}, abs=1e-12)
    assert effects.attrs["conversion_probability"] == pytest.approx(0.5)
    a = acq(("x", "2026-01-31", "Deal"), ("other-period", "2025-06-01", "Deal"))
    t = tps(("x", "2026-01-01", "A"), ("x", "2026-01-02", "B"),
            ("never", "2026-01-05", "B"),
            ("late", "2026-02-01", "A"),  # after period_end: not a path
            ("other-period", "2025-05-01", "A"),  # acquired earlier: not non-converting
            ("other-period", "2025-05-02", "B"))
    period = a.iloc[[0]]
    for accounts in (["x", "other-period"], {"other-period"}, pd.Series(["other-period"])):
        credits = channel_credits(period, t, "markov", acquired_accounts=accounts,
                                  period_end=pd.Timestamp("2026-01-31"))
        assert credits[["A", "B"]].to_numpy() == pytest.approx([1 / 3, 2 / 3], abs=1e-12)
    # Were "other-period" never acquired, its A > B would be a non-converting path:
    # start -> A 2/3, B 1/3; A -> B 1; B -> conversion 1/3. P = 1/3, without A 1/9:
    # effects A 2/3, B 1 -> credits 0.4 and 0.6.
    shifted = channel_credits(period, t, "markov", period_end=pd.Timestamp("2026-01-31"))
    assert shifted[["A", "B"]].to_numpy() == pytest.approx([0.4, 0.6], abs=1e-12)


def test_markov_without_non_converting_paths():
    # Every journey converts: removing any channel of a converting path lowers P(conv).
    effects = markov_removal_effects(["A > B", "B"], [])
    assert effects.attrs["conversion_probability"] == pytest.approx(1.0)
    assert effects.to_dict() == pytest.approx({"A": 0.5, "B": 1.0})


def test_markov_needs_a_conversion():
    with pytest.raises(ValueError, match="converting path"):
        markov_removal_effects([], ["A > B"])


def test_markov_input_forms_agree():
    as_strings = markov_removal_effects(TOY_CONVERTING, TOY_NULL)
    as_series = markov_removal_effects(pd.Series(TOY_CONVERTING), pd.Series(TOY_NULL))
    expanded_conv = [p.split(" > ") for p, n in TOY_CONVERTING.items() for _ in range(n)]
    expanded_null = [tuple(p.split(" > ")) for p, n in TOY_NULL.items() for _ in range(n)]
    as_lists = markov_removal_effects(expanded_conv, expanded_null)
    pd.testing.assert_series_equal(as_strings, as_series)
    pd.testing.assert_series_equal(as_strings, as_lists, atol=1e-14)


def test_markov_one_table_with_conversion_and_null_columns():
    # Two count columns of one table (zeros included) share their paths, parsed once.
    table = pd.DataFrame({"conv": pd.Series(TOY_CONVERTING), "null": pd.Series(TOY_NULL)})
    table = table.fillna(0)
    table.loc["Partners > Search"] = [0, 0]  # a path that never occurs: not in the chain
    effects = markov_removal_effects(table["conv"], table["null"])
    assert effects.to_dict() == pytest.approx(TOY_EFFECTS, abs=1e-12)
    assert effects.attrs["conversion_probability"] == pytest.approx(5 / 14, abs=1e-15)
    # Equal paths in another Index object, or in another order: the same chain.
    relabelled = markov_removal_effects(table["conv"],
                                        table["null"].set_axis(list(table.index)))
    pd.testing.assert_series_equal(relabelled, effects)
    reordered = markov_removal_effects(table["conv"], table["null"].iloc[::-1])
    pd.testing.assert_series_equal(reordered, effects, atol=1e-14)


def test_markov_path_strings_tolerate_stray_separators_and_empty_paths():
    messy = markov_removal_effects(["A >> B >", "", " A"], ["B", ">"])
    clean = markov_removal_effects([["A", "B"], ["A"]], [["B"]])
    pd.testing.assert_series_equal(messy, clean)
    mixed = markov_removal_effects([("A", "B"), "A"], {"B": 1})
    pd.testing.assert_series_equal(mixed, clean)
    tuples = markov_removal_effects(pd.Series({("A", "B"): 1, ("A",): 1}), pd.Series({"B": 1}))
    pd.testing.assert_series_equal(tuples, clean)


def test_markov_order_one_is_unchanged_by_consecutive_repeats():
    repeated = markov_removal_effects(["A > A > B", "B > B", "C > A > A"], ["A > A", "C > C > B"])
    plain = markov_removal_effects(["A > B", "B", "C > A"], ["A", "C > B"])
    pd.testing.assert_series_equal(repeated, plain, atol=1e-14)
    # The independent reference keeps the self-loops: same numbers.
    reference = reference_removal_effects([["A", "A", "B"], ["B", "B"], ["C", "A", "A"]],
                                          [["A", "A"], ["C", "C", "B"]], order=1,
                                          collapse=False)
    assert repeated.to_dict() == pytest.approx(reference, abs=1e-12)


def test_markov_higher_orders_run_and_add_up():
    a, t = journeys_to_frames(TOY_CONVERTING, TOY_NULL, untouched=("Partners",))
    for order in (2, 3):
        credits = channel_credits(a, t, "markov", markov_order=order)
        assert credits.sum() == pytest.approx(6.0)
        table = account_credits(a, t, "markov", markov_order=order)
        assert table.groupby("account_id")["credit"].sum().to_numpy() == pytest.approx(1.0)


def reference_removal_effects(converting: list[list[str]], non_converting: list[list[str]],
                              order: int, collapse: bool) -> dict[str, float]:
    """Independent exact solve with fractions: states are tuples, Gauss-Jordan elimination."""
    transitions: dict[tuple, dict[tuple, int]] = {}
    for paths, end in ((converting, ("<conv>",)), (non_converting, ("<null>",))):
        for path in paths:
            if collapse:
                path = [c for i, c in enumerate(path) if i == 0 or path[i - 1] != c]
            states = [("<start>",)] + [tuple(path[max(0, i - order + 1):i + 1])
                                        for i in range(len(path))] + [end]
            for src, dst in itertools.pairwise(states):
                row = transitions.setdefault(src, {})
                row[dst] = row.get(dst, 0) + 1
    channels = sorted({c for path in converting + non_converting for c in path})

    def conversion_probability(removed: str | None) -> Fraction:
        transient = [s for s in transitions if removed is None or removed not in s]
        index = {s: i for i, s in enumerate(transient)}
        n = len(transient)
        # (I - Q) x = r, as an augmented matrix of fractions.
        matrix = [[Fraction(int(i == j)) for j in range(n)] + [Fraction(0)] for i in range(n)]
        for s in transient:
            row = transitions[s]
            total = sum(row.values())
            for dst, count in row.items():
                if dst == ("<conv>",):
                    matrix[index[s]][n] += Fraction(count, total)
                elif dst in index:
                    matrix[index[s]][index[dst]] -= Fraction(count, total)
        for col in range(n):
            pivot = next(r for r in range(col, n) if matrix[r][col] != 0)
            matrix[col], matrix[pivot] = matrix[pivot], matrix[col]
            head = matrix[col][col]
            matrix[col] = [v / head for v in matrix[col]]
            for r in range(n):
                if r != col and matrix[r][col] != 0:
                    factor = matrix[r][col]
                    matrix[r] = [v - factor * w for v, w in zip(matrix[r], matrix[col],
                                                                strict=True)]
        return matrix[index[("<start>",)]][n]

    p_conv = conversion_probability(None)
    return {c: float(1 - conversion_probability(c) / p_conv) for c in channels}


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("order", [1, 2])
def test_markov_equals_an_independent_exact_solve(seed, order):
    rng = np.random.default_rng(seed)
    channels = ["A", "B", "C", "D", "E"][: 3 + seed % 3]

    def random_paths(count: int) -> list[list[str]]:
        return [list(rng.choice(channels, size=rng.integers(1, 6))) for _ in range(count)]

    converting, non_converting = random_paths(25), random_paths(40)
    ours = markov_removal_effects(converting, non_converting, order=order)
    reference = reference_removal_effects(converting, non_converting, order=order,
                                          collapse=True)
    assert set(ours.index) == set(reference)
    for channel, value in reference.items():
        assert ours[channel] == pytest.approx(value, abs=1e-9)


@pytest.mark.parametrize(("threaded", "elimination", "dense_codes"),
                         [(0, 400, 1 << 22), (0, 0, 1 << 22), (100, 400, 0), (0, 400, 0)])
def test_markov_solve_and_state_numbering_fallbacks_stay_exact(monkeypatch, threaded,
                                                               elimination, dense_codes):
    # Larger chains solve each removal on its kept states (NumPy elimination, else LAPACK);
    # large state codes are numbered by a sort. Thresholds at 0 force those paths here.
    monkeypatch.setattr(attribution, "_MARKOV_THREADED_STATES", threaded)
    monkeypatch.setattr(attribution, "_MARKOV_ELIMINATION_STATES", elimination)
    monkeypatch.setattr(attribution, "_MARKOV_DENSE_CODES", dense_codes)
    rng = np.random.default_rng(11)
    channels = ["A", "B", "C", "D"]

    def random_paths(count: int) -> list[list[str]]:
        return [list(rng.choice(channels, size=rng.integers(1, 6))) for _ in range(count)]

    converting, non_converting = random_paths(25), random_paths(40)
    for order in (1, 2):
        ours = markov_removal_effects(converting, non_converting, order=order)
        reference = reference_removal_effects(converting, non_converting, order=order,
                                              collapse=True)
        assert ours.to_dict() == pytest.approx(reference, abs=1e-9)


# ---------------------------------------------------------------------------------------------
# Shapley
# ---------------------------------------------------------------------------------------------
def test_shapley_three_channels_by_hand():
    # Journeys (channel sets): {A} x2, {A,B}, {B,C}, {A,B,C}.
    # v: {}=0 A=2 B=0 C=0 AB=3 AC=2 BC=1 ABC=5. Marginal contributions over the 6 orders:
    #   ABC: A2 B1 C2 | ACB: A2 C0 B3 | BAC: B0 A3 C2 | BCA: B0 C1 A4 | CAB: C0 A2 B3 |
    #   CBA: C0 B1 A4  ->  A = 17/6, B = 8/6, C = 5/6.
    a = acq(*[(f"a{i}", "2026-01-31", "Deal") for i in range(5)])
    t = tps(("a0", "2026-01-01", "A"), ("a1", "2026-01-01", "A"), ("a1", "2026-01-02", "A"),
            ("a2", "2026-01-01", "B"), ("a2", "2026-01-02", "A"),
            ("a3", "2026-01-01", "C"), ("a3", "2026-01-02", "B"),
            ("a4", "2026-01-01", "C"), ("a4", "2026-01-02", "A"), ("a4", "2026-01-03", "B"))
    credits = channel_credits(a, t, "shapley")
    assert credits[["A", "B", "C"]].to_numpy() == pytest.approx([17 / 6, 8 / 6, 5 / 6],
                                                                  abs=1e-12)
    table = account_credits(a, t, "shapley")
    assert credits_of("a4", table) == pytest.approx({"A": 1 / 3, "B": 1 / 3, "C": 1 / 3})
    totals = table.groupby("channel")["credit"].sum()
    assert totals[["A", "B", "C"]].to_numpy() == pytest.approx([17 / 6, 8 / 6, 5 / 6])


def brute_force_shapley(by_set: np.ndarray, k: int) -> list[Fraction]:
    def v(members: set[int]) -> int:
        mask = sum(1 << i for i in members)
        return sum(int(by_set[m]) for m in range(len(by_set)) if m & ~mask == 0)

    phi = [Fraction(0)] * k
    orders = list(itertools.permutations(range(k)))
    for order in orders:
        before: set[int] = set()
        for player in order:
            phi[player] += v(before | {player}) - v(before)
            before.add(player)
    return [p / len(orders) for p in phi]


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_shapley_values_equal_brute_force_permutations(k):
    rng = np.random.default_rng(k)
    by_set = rng.integers(0, 5, size=1 << k).astype(float)
    by_set[0] = 0
    ours = shapley_values(by_set)
    assert ours == pytest.approx([float(p) for p in brute_force_shapley(by_set, k)], abs=1e-9)
    assert ours.sum() == pytest.approx(by_set.sum())


def test_shapley_refuses_more_than_twelve_channels():
    a = acq(("a", "2026-01-31", "Deal"))
    t = tps(*[("a", f"2026-01-{d + 1:02d}", f"C{d:02d}") for d in range(13)])
    with pytest.raises(ValueError, match="at most 12"):
        channel_credits(a, t, "shapley")
    with pytest.warns(RuntimeWarning, match="at most 12"):
        table = compare_models(a, t)
    assert table["shapley"].isna().all()
    assert table["linear"].sum() == pytest.approx(1.0)


# ---------------------------------------------------------------------------------------------
# compare_models and properties
# ---------------------------------------------------------------------------------------------
def test_compare_models_is_channels_by_models():
    a, t = journeys_to_frames(TOY_CONVERTING, TOY_NULL, untouched=("Partners",))
    table = compare_models(a, t, half_life_days=3.0)
    assert list(table.columns) == list(MODELS)
    assert list(table.index) == sorted(table.index)
    assert table.sum().to_numpy() == pytest.approx(np.full(len(MODELS), 6.0))
    assert table.loc["Deal", "deal"] == 5.0
    assert table["markov"].drop(["Partners", "Deal"]).round(4).to_dict() == TOY_CREDITS
    assert table["time_decay"].to_numpy() == pytest.approx(
        channel_credits(a, t, "time_decay", half_life_days=3.0).to_numpy())
    with pytest.raises(TypeError):
        compare_models(a, t, half_life=3.0)
    only = compare_models(a, t, models=["deal", "linear"])
    assert list(only.columns) == ["deal", "linear"]


CHANNELS = ["Search", "Email", "Direct", "Social"]


@st.composite
def scenarios(draw):
    n_accounts = draw(st.integers(1, 8))
    acquired = draw(st.lists(st.booleans(), min_size=n_accounts, max_size=n_accounts))
    if not any(acquired):
        acquired[0] = True
    acq_rows, tp_rows = [], []
    for i in range(n_accounts):
        account = f"acc{i}"
        if acquired[i]:
            day = draw(st.integers(1, 20))
            acq_rows.append((account, f"2026-01-{day:02d}", draw(st.sampled_from(CHANNELS))))
        for _ in range(draw(st.integers(0, 5))):
            day, hour = draw(st.integers(1, 28)), draw(st.integers(0, 23))
            tp_rows.append((account, f"2026-01-{day:02d} {hour:02d}:00",
                            draw(st.sampled_from(CHANNELS))))
    return acq(*acq_rows), tps(*tp_rows)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.sampled_from(MODELS))
def test_credits_add_up_to_new_customers(scenario, model):
    a, t = scenario
    kwargs = {"period_end": pd.Timestamp("2026-01-31"), "markov_order": 1}
    totals = channel_credits(a, t, model, **kwargs)
    assert totals.sum() == pytest.approx(len(a))
    assert (totals >= 0).all()
    table = account_credits(a, t, model, **kwargs)
    assert (table["credit"] > 0).all()
    per_account = table.groupby("account_id")["credit"].sum()
    assert sorted(per_account.index) == sorted(a["account_id"])
    assert per_account.to_numpy() == pytest.approx(np.ones(len(a)))
    if model != "markov":  # markov account rows meet the totals only when a split exists
        by_channel = table.groupby("channel")["credit"].sum().reindex(totals.index,
                                                                     fill_value=0.0)
        assert by_channel.to_numpy() == pytest.approx(totals.to_numpy(), abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(scenarios())
def test_markov_orders_add_up(scenario):
    a, t = scenario
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for order in (1, 2, 3):
            totals = channel_credits(a, t, "markov", markov_order=order)
            assert math.isclose(totals.sum(), len(a), rel_tol=1e-9)
