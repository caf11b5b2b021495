"""Levers: one what-if model for what the CAC article's improvements would be worth.

A lever is a set of factors on the CAC, the ARPA and the customer lifetime (:class:`Lever`).
Two readings of the same model:

- on the unit economics, :func:`lever_scenarios` applies each lever (and all of them
  together) to a baseline CAC, ARPA, margin and lifetime and gives LTV, LTV/CAC and payback
  (:func:`cac_toolkit.course.scenarios.unit_economics`); :func:`article_levers` gives the
  improvements the article quotes, for a quarter's global and digital (Ads) CAC;
- on the CAC alone, the mechanism models below return a :class:`LeverResult` (the CAC before
  and after, and the assumptions used), which :func:`chain` turns into a waterfall; a result
  is a lever whose CAC factor is ``cac_after / cac_before`` (:meth:`LeverResult.as_lever`),
  so it enters :func:`lever_scenarios` as well.

The mechanism models' default arguments are the article's examples:

- lead quality: halve the leads, double their conversion (:func:`lead_quality`);
- automation: -40 % of the time spent qualifying, CAC -18 % (:func:`automation`,
  :func:`implied_qualification_share`);
- channel mix: 30 % SEO, 50 % paid inbound, 20 % outbound (:func:`channel_mix`,
  :func:`remix`);
- referral: within six months 15 % of new customers by word of mouth, five times cheaper
  than the digital campaigns (:func:`referral`, :func:`referral_blended_cac`,
  :func:`referral_cac_factor`);
- any lever quoted as a CAC factor, such as the article's unified CRM (-25 % in a year),
  enters a chain through :meth:`LeverResult.from_factor`, and :func:`ramp` draws its build-up
  over months.

These are first-order models: a channel keeps its CAC when its budget changes (no saturation),
and chained levers multiply their relative effects (:func:`chain`), as if independent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cac_toolkit.core.errors import UndefinedMetricError
from cac_toolkit.course.scenarios import unit_economics
from cac_toolkit.figures import formulas

#: The article's 30/50/20 split between SEO, paid inbound and outbound.
ARTICLE_MIX = {"SEO": 0.30, "Ads": 0.50, "Outbound": 0.20}


@dataclass(frozen=True)
class Lever:
    """An improvement applied to a baseline: factors on CAC, ARPA and lifetime (1: unchanged).

    ``source`` says where the figure comes from (the article, an assumption, a model).
    """

    name: str
    source: str
    cac_factor: float = 1.0
    arpa_factor: float = 1.0
    lifetime_factor: float = 1.0


#: The CAC article's referral programme (*programme ambassadeur*): within six months, 15 % of
#: the new customers came by word of mouth (*bouche-à-oreille*), at an acquisition cost five
#: times lower than its digital campaigns' (the ``Ads`` channel here). The share by referral:
REFERRAL_SHARE: float = 0.15
#: How many times cheaper than the digital campaigns a referred customer is (the article: 5).
REFERRAL_TIMES_CHEAPER: float = 5.0
#: The channel of the KPI file that holds the digital campaigns.
DIGITAL_CHANNEL = "Ads"


def referral_blended_cac(global_cac: float, digital_cac: float,
                         referral_share: float = REFERRAL_SHARE,
                         times_cheaper: float = REFERRAL_TIMES_CHEAPER) -> float:
    """Blended CAC (currency per new customer) once ``referral_share`` of the new customers
    come by referral at ``times_cheaper`` times less than the digital campaigns' CAC.

    ``(1 - s) x global_cac + s x digital_cac / k``: the other customers keep today's global
    CAC. Both CACs are fully loaded, in the same currency, from the same period; ``s`` is a
    share of new customers (0.15), ``k`` a multiple (5: five times cheaper than the digital
    campaigns, not than the global CAC).
    """
    if not 0 <= referral_share <= 1:
        raise ValueError("referral_share must be between 0 and 1")
    if times_cheaper <= 0:
        raise ValueError("times_cheaper must be > 0")
    if digital_cac < 0:
        raise ValueError("digital_cac must be >= 0")
    return (1 - referral_share) * global_cac + referral_share * digital_cac / times_cheaper


def referral_cac_factor(global_cac: float, digital_cac: float,
                        referral_share: float = REFERRAL_SHARE,
                        times_cheaper: float = REFERRAL_TIMES_CHEAPER) -> float:
    """The referral programme as a factor on the global CAC (no unit; 1: unchanged).

    ``(1 - s) + s x (digital_cac / k) / global_cac``, that is
    :func:`referral_blended_cac` over ``global_cac``. In the article's SaaS quarter (global
    CAC 1,500, Ads fully loaded 2,100) it is 0.85 + 0.15 x 420 / 1,500 = 0.892: the CAC falls
    by 10.8 %, not the 12 % a fifth of the *global* CAC would give.
    """
    if global_cac <= 0:
        raise UndefinedMetricError("referral CAC factor", "the global CAC is not positive")
    return referral_blended_cac(global_cac, digital_cac, referral_share,
                                times_cheaper) / global_cac


def referral(global_cac: float, digital_cac: float,
             referral_share: float = REFERRAL_SHARE,
             times_cheaper: float = REFERRAL_TIMES_CHEAPER) -> LeverResult:
    """The referral programme as a :class:`LeverResult` on ``global_cac``
    (:func:`referral_blended_cac`); the assumptions keep the share, the multiple and the
    digital campaigns' CAC."""
    return LeverResult("referral", global_cac,
                       referral_blended_cac(global_cac, digital_cac, referral_share,
                                            times_cheaper),
                       {"referral_share": referral_share, "times_cheaper": times_cheaper,
                        "digital_cac": digital_cac})


def article_levers(global_cac: float, digital_cac: float) -> tuple[Lever, ...]:
    """The improvements the CAC article quotes, as factors, for a quarter whose global CAC is
    ``global_cac`` and whose digital campaigns' (``Ads``) CAC is ``digital_cac`` (both fully
    loaded, currency per new customer; only the referral factor depends on them).

    The unified CRM (-25 % in a year), prospecting automation (-18 %), the referral
    programme (:func:`referral_cac_factor`) and a retention assumption (+10 % ARPA, +6 months
    on 30, not from the article).
    """
    s, k = REFERRAL_SHARE, REFERRAL_TIMES_CHEAPER
    return (
        Lever("Unified CRM (marketing-sales alignment)", "article: CAC -25 % in a year",
              cac_factor=0.75),
        Lever("Prospecting automation", "article: average CAC -18 %", cac_factor=0.82),
        Lever("Referral programme", f"article: within six months {s:.0%} of new customers "
              f"by referral, {k:g} times cheaper than the digital campaigns (Ads)",
              cac_factor=referral_cac_factor(global_cac, digital_cac, s, k)),
        Lever("Retention and upsell", "assumption: +10 % ARPA, +6 months on 30",
              arpa_factor=1.10, lifetime_factor=36 / 30),
    )


def lever_scenarios(cac: float, arpa: float, gross_margin: float, lifetime_months: float,
                    levers: Sequence[Lever | LeverResult], combined: bool = True) -> pd.DataFrame:
    """The baseline, each lever alone, and (``combined``) all levers together.

    Each row recomputes :func:`cac_toolkit.course.scenarios.unit_economics` with ``cac x
    cac_factor``, ``arpa x arpa_factor`` and ``lifetime_months x lifetime_factor``; the
    combined row multiplies the factors, assuming the levers do not overlap (as
    :func:`chain` does). A :class:`LeverResult` enters as its :meth:`LeverResult.as_lever`.
    Columns: ``scenario``, ``source``, ``cac``, ``arpa``, ``lifetime_months``, ``ltv``,
    ``ltv_cac``, ``payback_months``.
    """
    levers = [lv.as_lever() if isinstance(lv, LeverResult) else lv for lv in levers]
    scenarios = [Lever("Baseline", "the quarter as measured")] + list(levers)
    if combined and levers:
        scenarios.append(Lever("All levers together", "factors multiplied (no overlap assumed)",
                               float(np.prod([lv.cac_factor for lv in levers])),
                               float(np.prod([lv.arpa_factor for lv in levers])),
                               float(np.prod([lv.lifetime_factor for lv in levers]))))
    rows = []
    for lever in scenarios:
        econ = unit_economics(cac * lever.cac_factor, arpa * lever.arpa_factor, gross_margin,
                              lifetime_months * lever.lifetime_factor)
        rows.append({"scenario": lever.name, "source": lever.source, "cac": econ.cac,
                     "arpa": econ.arpa, "lifetime_months": econ.lifetime_months,
                     "ltv": econ.ltv, "ltv_cac": econ.ltv_cac,
                     "payback_months": econ.payback_months})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class LeverResult:
    """A lever's effect on the CAC (currency per customer) and the assumptions behind it."""

    lever: str
    cac_before: float
    cac_after: float
    assumptions: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_factor(cls, lever: str, cac: float, cac_factor: float) -> LeverResult:
        """A lever quoted as a multiplier of the CAC (0.75 for -25 %)."""
        return cls(lever, cac, cac * cac_factor, {"cac_factor": cac_factor})

    @property
    def change(self) -> float:
        """Relative change of the CAC: ``cac_after / cac_before - 1`` (-0.25 = -25 %)."""
        if not self.cac_before:
            raise UndefinedMetricError("CAC change", "the CAC before the lever is zero")
        return formulas.relative_change(self.cac_before, self.cac_after)

    @property
    def saving(self) -> float:
        """CAC saved per new customer (currency): ``cac_before - cac_after``."""
        return self.cac_before - self.cac_after

    def as_lever(self, source: str = "") -> Lever:
        """This result as a :class:`Lever`: its CAC factor ``1 + change``, ARPA and lifetime
        unchanged."""
        return Lever(self.lever, source or "model: " + ", ".join(
            f"{k} {v:g}" for k, v in self.assumptions.items()), cac_factor=1.0 + self.change)


def _share(name: str, value: float) -> None:
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be a share between 0 and 1, got {value}")


def lead_quality(cac: float, volume_share: float, lead_factor: float = 0.5,
                 conversion_factor: float = 2.0) -> LeverResult:
    """Fewer, better leads: multiply the leads by ``lead_factor``, their conversion by
    ``conversion_factor``.

    ``volume_share`` is the part of the acquisition spend that grows with the number of leads
    (media bought per lead, SDR time per lead, enrichment credits); the rest (salaries of the
    closers, tools, management) does not move. Then, per new customer (currency)::

        spend_after = spend x (1 - volume_share + volume_share x lead_factor)
        customers_after = customers x lead_factor x conversion_factor
        cac_after = cac x (1 - volume_share x (1 - lead_factor)) / (lead_factor x conversion_factor)

    With the article's halving of leads and doubling of conversion, the customers stay the same
    and the CAC falls by half the volume-driven share.
    """
    _share("volume_share", volume_share)
    if lead_factor <= 0 or conversion_factor <= 0:
        raise ValueError("lead_factor and conversion_factor must be > 0")
    spend_factor = 1 - volume_share + volume_share * lead_factor
    customer_factor = lead_factor * conversion_factor
    # Per customer: the spend scaled by spend_factor over the customers by customer_factor.
    return LeverResult("lead quality", cac, formulas.cac(cac * spend_factor, customer_factor),
                       {"volume_share": volume_share, "lead_factor": lead_factor,
                        "conversion_factor": conversion_factor,
                        "spend_factor": spend_factor, "customer_factor": customer_factor})


def ramp(cac_before: float, cac_after: float, months: int = 12) -> pd.Series:
    """A straight path from ``cac_before`` (month 0) to ``cac_after`` (month ``months``).

    Indexed by month number; the effect of an organisational lever builds up over time.
    """
    steps = np.arange(months + 1)
    return pd.Series(cac_before + (cac_after - cac_before) * steps / months,
                     index=pd.Index(steps, name="month"), name="cac")


def automation(cac: float, qualification_share: float, time_saved: float = 0.40) -> LeverResult:
    """Automate the first qualification of leads (sequences, scoring, chatbots).

    ``qualification_share`` is the part of the CAC spent qualifying leads by hand;
    ``time_saved`` the share of that time the tools remove (40 % in the article), conversion
    unchanged: ``cac_after = cac x (1 - qualification_share x time_saved)``.
    """
    _share("qualification_share", qualification_share)
    _share("time_saved", time_saved)
    return LeverResult("automation", cac, cac * (1 - qualification_share * time_saved),
                       {"qualification_share": qualification_share, "time_saved": time_saved})


def implied_qualification_share(cac_reduction: float = 0.18, time_saved: float = 0.40) -> float:
    """The share of the CAC that qualification must have been for the article's figures to hold.

    ``cac_reduction / time_saved``: -18 % of CAC from -40 % of qualification time means that
    qualification was 45 % of the CAC.
    """
    if not time_saved:
        raise UndefinedMetricError("qualification share", "no time saved")
    share = cac_reduction / time_saved
    _share("implied qualification share", share)
    return share


def blended_cac(budget_shares: Mapping[str, float], channel_cacs: Mapping[str, float]) -> float:
    """CAC of a budget split across channels that each keep their CAC (currency per customer).

    ``1 / sum(share_c / cac_c)``: the budget divided by the customers it buys. It is the
    harmonic mean of the channel CACs weighted by budget, not their weighted average.
    """
    table = channel_mix(1.0, budget_shares, channel_cacs)
    return float(table.attrs["blended_cac"])


def channel_mix(budget: float, budget_shares: Mapping[str, float],
                channel_cacs: Mapping[str, float]) -> pd.DataFrame:
    """Split ``budget`` by ``budget_shares`` and count the customers each channel buys.

    Per channel: ``budget`` = total x share (currency), ``new_customers`` = budget / CAC.
    ``attrs["blended_cac"]`` = total budget / total customers. Shares must add up to 1 and
    every channel of the split needs a CAC > 0.
    """
    shares = pd.Series(budget_shares, dtype="float64")
    if (shares < 0).any() or not np.isclose(shares.sum(), 1.0):
        raise ValueError(f"budget shares must be >= 0 and add up to 1, got {shares.sum():.4f}")
    missing = [c for c in shares.index if c not in channel_cacs]
    if missing:
        raise KeyError(f"no CAC for channel {missing[0]!r}")
    cacs = pd.Series({c: float(channel_cacs[c]) for c in shares.index}, dtype="float64")
    if (cacs <= 0).any():
        raise UndefinedMetricError("channel mix", "a channel of the split has no positive CAC")
    out = pd.DataFrame({"share": shares, "cac": cacs})
    out.index.name = "channel"
    out["budget"] = budget * out["share"]
    out["new_customers"] = formulas.customers_bought(out["budget"], out["cac"])
    customers = float(out["new_customers"].sum())
    out.attrs["blended_cac"] = (formulas.cac(budget, customers) if budget else formulas.cac(
        1.0, float(formulas.customers_bought(out["share"], out["cac"]).sum())))
    return out


def remix(current_budget: Mapping[str, float], channel_cacs: Mapping[str, float],
          target_shares: Mapping[str, float] = ARTICLE_MIX) -> LeverResult:
    """Move the budget of the channels in ``target_shares`` to that split (the 30/50/20 mix).

    ``current_budget`` holds each channel's spend; only the channels named in
    ``target_shares`` are reallocated, their total budget unchanged. The CAC compared is the
    blended CAC of those channels before and after. Compare like with like: fully loaded
    budgets (:func:`fully_loaded_budgets`) with fully loaded CACs, or direct with direct; then
    the customers the current budget implies, ``sum(budget / CAC)``, are the channels' real new
    customers (``assumptions["customers_before"]``, ``"customers_after"``).
    """
    names = list(target_shares)
    spend = pd.Series({c: float(current_budget.get(c, 0.0)) for c in names}, dtype="float64")
    total = float(spend.sum())
    if not total:
        raise UndefinedMetricError("remix", "the channels to remix have no budget")
    before = channel_mix(total, formulas.share(spend, total).to_dict(),
                         channel_cacs).attrs["blended_cac"]
    after = channel_mix(total, target_shares, channel_cacs).attrs["blended_cac"]
    assumptions = {f"share_{c}": float(target_shares[c]) for c in names}
    assumptions.update({f"current_share_{c}": float(formulas.share(spend[c], total))
                        for c in names})
    assumptions["customers_before"] = float(total / before)
    assumptions["customers_after"] = float(total / after)
    return LeverResult("channel mix", float(before), float(after), assumptions)


def fully_loaded_budgets(channels: Mapping[str, Mapping[str, float]],
                         names: Sequence[str] | None = None) -> dict[str, float]:
    """Each channel's fully loaded spend: direct spend + allocated pooled costs (currency).

    ``channels`` is the KPI file's ``channels`` block; ``names`` defaults to the article's
    three mix channels. Divided by the fully loaded CAC it gives the channel's new customers.
    """
    names = list(names) if names is not None else list(ARTICLE_MIX)
    return {c: float(channels[c]["spend_direct"]) + float(channels[c]["shared_allocated"])
            for c in names}


def chain(cac: float, levers: Sequence[LeverResult | Lever]) -> pd.DataFrame:
    """Apply levers one after the other, each with its own relative change (a waterfall).

    Rows: ``start`` then one per lever. Columns: ``change`` (relative), ``cac`` after the step
    and ``step`` (currency, negative when the CAC falls). Effects are treated as independent,
    so they multiply: a -25 % lever then a -18 % lever give -38.5 %, not -43 %. A
    :class:`Lever` changes the CAC by ``cac_factor - 1``.
    """
    rows = [{"lever": "start", "change": 0.0, "cac": float(cac), "step": 0.0}]
    current = float(cac)
    for lever in levers:
        name, change = ((lever.name, lever.cac_factor - 1.0) if isinstance(lever, Lever)
                        else (lever.lever, lever.change))
        after = current * (1 + change)
        rows.append({"lever": name, "change": change, "cac": after,
                     "step": after - current})
        current = after
    return pd.DataFrame(rows).set_index("lever")
