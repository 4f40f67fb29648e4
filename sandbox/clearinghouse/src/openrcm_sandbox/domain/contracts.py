"""Payer contracts: the YAML file that tells the sandbox payers whom they cover and what they pay. Pure.

The file format is described in the sandbox README. Parsing collects every bad field with its path
("payers[0].members[2].plan: unknown plan 'X'") and raises one ContractError listing them all, so a
broken file is fixed in one pass rather than one error at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from openrcm_sandbox.domain.money import cents
from openrcm_shared.identifiers import npi_is_valid

PAYMENT_METHODS = ("ACH", "CHK")
#: CLP06 of the 835 (X221A1). Narrower than the 837's SBR09: commercial insurance is 12-17, not CI.
CLAIM_FILING_INDICATORS = ("12", "13", "14", "15", "16", "17", "AM", "CH", "DS", "HM", "LM", "MA", "MB", "MC",
                           "OF", "TV", "VA", "WC", "ZZ")
_UNLISTED_DENY = "deny"
_UNLISTED_PERCENT = "percent_of_charge:"


@dataclass(frozen=True)
class Plan:
    name: str
    deductible: Decimal  # per calendar year
    coinsurance_percent: Decimal  # the patient's share of what is left after copay and deductible
    copays: Mapping[str, Decimal]  # by procedure code
    out_of_pocket_max: Decimal | None  # per calendar year; None = no cap


@dataclass(frozen=True)
class Member:
    member_id: str
    plan: str
    eligible_from: date
    eligible_to: date | None
    deductible_met: Decimal  # the member's accumulators when the sandbox starts
    out_of_pocket_met: Decimal

    def eligible_on(self, day: date) -> bool:
        return self.eligible_from <= day and (self.eligible_to is None or day <= self.eligible_to)


@dataclass(frozen=True)
class ProviderAdjustmentRule:
    """A PLB the payer takes (positive amount) or gives (negative) once, to one payee NPI."""

    npi: str
    reason: str
    reference: str
    amount: Decimal


@dataclass(frozen=True)
class PayerContract:
    payer_id: str
    name: str
    claim_filing_indicator: str
    payment_method: str
    timely_filing_days: int
    allowed: Mapping[str, Decimal]  # per unit, by "procedure" or "procedure-modifier"
    unlisted_percent_of_charge: Decimal | None  # None = deny procedures without a rate (CO-96)
    plans: Mapping[str, Plan]
    members: Mapping[str, Member]
    medical_necessity: Mapping[str, tuple[str, ...]]  # procedure -> supporting diagnosis prefixes (no dots)
    bundled_pairs: tuple[tuple[str, str], ...]  # (column 1, column 2)
    prior_authorization: frozenset[str]
    provider_adjustments: tuple[ProviderAdjustmentRule, ...]

    def rate(self, procedure_code: str, modifiers: tuple[str, ...]) -> Decimal | None:
        """The allowed amount per unit: "procedure-first modifier" first, then the procedure alone."""
        if modifiers:
            rate = self.allowed.get(f"{procedure_code}-{modifiers[0]}")
            if rate is not None:
                return rate
        return self.allowed.get(procedure_code)

    def plan_of(self, member: Member) -> Plan:
        return self.plans[member.plan]


@dataclass(frozen=True)
class SandboxConfig:
    seed: int
    business_date: date | None
    payers: Mapping[str, PayerContract]


class ContractError(ValueError):
    """The contract file is not usable; errors lists every bad field with its path."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("invalid payer contracts:\n" + "\n".join(f"  - {error}" for error in self.errors))


def load_contracts(path: Path) -> SandboxConfig:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ContractError([f"{path}: cannot read the contract file ({exc.strerror or exc})"]) from exc
    return parse_contracts(text)


def parse_contracts(text: str) -> SandboxConfig:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ContractError([f"not valid YAML: {exc}"]) from exc
    parser = _Parser()
    config = parser.config(document)
    if parser.errors:
        raise ContractError(parser.errors)
    assert config is not None
    return config


class _Parser:
    """Reads the YAML document field by field, recording every error instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    @staticmethod
    def at(path: str, key: str) -> str:
        return f"{path}.{key}" if path else key

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}" if path else message)

    # --- scalars -------------------------------------------------------------------------------------

    def text(self, node: Mapping[str, Any], key: str, path: str, *, required: bool = True, default: str = "") -> str:
        value = node.get(key)
        if value is None:
            if required:
                self.error(self.at(path, key), "required")
            return default
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self.error(self.at(path, key), f"must be text, not {type(value).__name__}")
            return default
        text = str(value).strip()
        if required and not text:
            self.error(self.at(path, key), "must not be empty")
        return text

    def money(self, value: Any, path: str, *, default: Decimal | None = Decimal("0.00")) -> Decimal | None:
        """A non-negative amount, written as a string ("92.00") or a number."""
        if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
            self.error(path, f"must be an amount like \"92.00\", not {type(value).__name__}")
            return default
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            self.error(path, f"must be an amount like \"92.00\", not {value!r}")
            return default
        if not amount.is_finite() or amount < 0:
            self.error(path, f"must be a non-negative amount, not {value!r}")
            return default
        return cents(amount)

    def signed_money(self, value: Any, path: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
            self.error(path, f"must be an amount like \"15.00\", not {type(value).__name__}")
            return Decimal("0.00")
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite():
            self.error(path, f"must be an amount like \"15.00\", not {value!r}")
            return Decimal("0.00")
        return cents(amount)

    def percent(self, value: Any, path: str) -> Decimal:
        amount = self.money(value, path, default=Decimal("0"))
        assert amount is not None
        if amount > 100:
            self.error(path, f"must be a percent from 0 to 100, not {value!r}")
        return amount

    def day(self, node: Mapping[str, Any], key: str, path: str, *, required: bool) -> date | None:
        value = node.get(key)
        if value is None:
            if required:
                self.error(self.at(path, key), "required")
            return None
        if isinstance(value, date):  # yaml.safe_load reads 2026-01-01 as a date already
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.error(self.at(path, key), f"must be a date like 2026-01-01, not {value!r}")
        return None

    def mapping(self, node: Mapping[str, Any], key: str, path: str) -> Mapping[Any, Any]:
        value = node.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.error(self.at(path, key), f"must be a mapping, not {type(value).__name__}")
            return {}
        return value

    def sequence(self, node: Mapping[str, Any], key: str, path: str) -> list[Any]:
        value = node.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(self.at(path, key), f"must be a list, not {type(value).__name__}")
            return []
        return value

    def code(self, value: Any, path: str) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
            self.error(path, f"must be a code like \"99213\", not {value!r}")
            return ""
        return str(value).strip().upper()

    # --- structure -----------------------------------------------------------------------------------

    def config(self, document: Any) -> SandboxConfig | None:
        if not isinstance(document, Mapping):
            self.error("", "the contract file must be a mapping with seed, business_date and payers")
            return None
        seed_value = document.get("seed", 0)
        seed = 0
        if isinstance(seed_value, bool) or not isinstance(seed_value, int):
            self.error("seed", f"must be a whole number, not {seed_value!r}")
        else:
            seed = seed_value
        business_date = self.day(document, "business_date", "", required=False) if "business_date" in document else None
        payers: dict[str, PayerContract] = {}
        payer_nodes = self.sequence(document, "payers", "")
        if not payer_nodes and "payers" not in document:
            self.error("payers", "required: at least one payer")
        elif not payer_nodes and isinstance(document.get("payers"), list):
            self.error("payers", "must list at least one payer")
        for index, node in enumerate(payer_nodes):
            path = f"payers[{index}]"
            payer = self.payer(node, path)
            if payer is None:
                continue
            if payer.payer_id in payers:
                self.error(f"{path}.payer_id", f"duplicate payer id '{payer.payer_id}'")
                continue
            payers[payer.payer_id] = payer
        return SandboxConfig(seed=seed, business_date=business_date, payers=payers)

    def payer(self, node: Any, path: str) -> PayerContract | None:
        if not isinstance(node, Mapping):
            self.error(path, "must be a mapping")
            return None
        payer_id = self.text(node, "payer_id", path)
        name = self.text(node, "name", path)
        claim_filing_indicator = self.text(node, "claim_filing_indicator", path)
        if claim_filing_indicator and claim_filing_indicator not in CLAIM_FILING_INDICATORS:
            self.error(f"{path}.claim_filing_indicator",
                       f"'{claim_filing_indicator}' is not an 835 CLP06 code (one of {', '.join(CLAIM_FILING_INDICATORS)})")
        payment_method = self.text(node, "payment_method", path, required=False, default="ACH").upper()
        if payment_method not in PAYMENT_METHODS:
            self.error(f"{path}.payment_method", f"must be ACH or CHK, not '{payment_method}'")
        timely_filing_days = node.get("timely_filing_days")
        if isinstance(timely_filing_days, bool) or not isinstance(timely_filing_days, int) or timely_filing_days < 1:
            self.error(f"{path}.timely_filing_days", f"must be a whole number of days >= 1, not {timely_filing_days!r}")
            timely_filing_days = 0
        allowed: dict[str, Decimal] = {}
        for key, value in self.mapping(node, "allowed", path).items():
            code = self.code(key, f"{path}.allowed")
            amount = self.money(value, f"{path}.allowed.{code or key}")
            if code and amount is not None:
                allowed[code] = amount
        unlisted = self.unlisted(node.get("unlisted_procedures", _UNLISTED_DENY), f"{path}.unlisted_procedures")
        plans: dict[str, Plan] = {}
        for key, value in self.mapping(node, "plans", path).items():
            plan = self.plan(str(key), value, f"{path}.plans.{key}")
            if plan is not None:
                plans[plan.name] = plan
        members: dict[str, Member] = {}
        for index, member_node in enumerate(self.sequence(node, "members", path)):
            member_path = f"{path}.members[{index}]"
            member = self.member(member_node, member_path, plans)
            if member is None:
                continue
            if member.member_id in members:
                self.error(f"{member_path}.member_id", f"duplicate member id '{member.member_id}'")
                continue
            members[member.member_id] = member
        medical_necessity: dict[str, tuple[str, ...]] = {}
        for key, value in self.mapping(node, "medical_necessity", path).items():
            code = self.code(key, f"{path}.medical_necessity")
            prefix_path = f"{path}.medical_necessity.{code or key}"
            if not isinstance(value, list) or not value:
                self.error(prefix_path, "must be a non-empty list of diagnosis prefixes")
                continue
            prefixes = tuple(self.code(prefix, prefix_path).replace(".", "") for prefix in value)
            if code:
                medical_necessity[code] = tuple(prefix for prefix in prefixes if prefix)
        bundled_pairs: list[tuple[str, str]] = []
        for index, pair in enumerate(self.sequence(node, "bundled_pairs", path)):
            pair_path = f"{path}.bundled_pairs[{index}]"
            if not isinstance(pair, list) or len(pair) != 2:
                self.error(pair_path, "must be a pair [column 1, column 2]")
                continue
            column_1, column_2 = self.code(pair[0], pair_path), self.code(pair[1], pair_path)
            if column_1 and column_2:
                bundled_pairs.append((column_1, column_2))
        prior_authorization = frozenset(
            code for index, value in enumerate(self.sequence(node, "prior_authorization", path))
            if (code := self.code(value, f"{path}.prior_authorization[{index}]"))
        )
        provider_adjustments = tuple(
            rule for index, value in enumerate(self.sequence(node, "provider_adjustments", path))
            if (rule := self.provider_adjustment(value, f"{path}.provider_adjustments[{index}]")) is not None
        )
        if not payer_id:
            return None
        return PayerContract(
            payer_id=payer_id,
            name=name,
            claim_filing_indicator=claim_filing_indicator,
            payment_method=payment_method,
            timely_filing_days=timely_filing_days,
            allowed=allowed,
            unlisted_percent_of_charge=unlisted,
            plans=plans,
            members=members,
            medical_necessity=medical_necessity,
            bundled_pairs=tuple(bundled_pairs),
            prior_authorization=prior_authorization,
            provider_adjustments=provider_adjustments,
        )

    def unlisted(self, value: Any, path: str) -> Decimal | None:
        text = str(value).strip().lower().replace(" ", "") if isinstance(value, str) else ""
        if text == _UNLISTED_DENY:
            return None
        if text.startswith(_UNLISTED_PERCENT):
            before = len(self.errors)
            percent = self.percent(text[len(_UNLISTED_PERCENT):], path)
            if len(self.errors) == before:
                return percent
            return None
        self.error(path, f"must be 'deny' or 'percent_of_charge:<percent>', not {value!r}")
        return None

    def plan(self, name: str, node: Any, path: str) -> Plan | None:
        if not isinstance(node, Mapping):
            self.error(path, "must be a mapping")
            return None
        deductible = self.money(node.get("deductible", "0"), f"{path}.deductible")
        coinsurance = self.percent(node.get("coinsurance_percent", "0"), f"{path}.coinsurance_percent")
        copays: dict[str, Decimal] = {}
        for key, value in self.mapping(node, "copays", path).items():
            code = self.code(key, f"{path}.copays")
            amount = self.money(value, f"{path}.copays.{code or key}")
            if code and amount is not None:
                copays[code] = amount
        out_of_pocket_max = None
        if node.get("out_of_pocket_max") is not None:
            out_of_pocket_max = self.money(node["out_of_pocket_max"], f"{path}.out_of_pocket_max", default=None)
        assert deductible is not None
        return Plan(name=name, deductible=deductible, coinsurance_percent=coinsurance, copays=copays,
                    out_of_pocket_max=out_of_pocket_max)

    def member(self, node: Any, path: str, plans: Mapping[str, Plan]) -> Member | None:
        if not isinstance(node, Mapping):
            self.error(path, "must be a mapping")
            return None
        member_id = self.text(node, "member_id", path)
        plan = self.text(node, "plan", path)
        if plan and plan not in plans:
            self.error(f"{path}.plan", f"unknown plan '{plan}'")
        eligible_from = self.day(node, "eligible_from", path, required=True)
        eligible_to = self.day(node, "eligible_to", path, required=False)
        if eligible_from is not None and eligible_to is not None and eligible_to < eligible_from:
            self.error(f"{path}.eligible_to", "must not be before eligible_from")
        deductible_met = self.money(node.get("deductible_met", "0"), f"{path}.deductible_met")
        out_of_pocket_met = self.money(node.get("out_of_pocket_met", "0"), f"{path}.out_of_pocket_met")
        if not member_id or eligible_from is None:
            return None
        assert deductible_met is not None and out_of_pocket_met is not None
        return Member(member_id=member_id, plan=plan, eligible_from=eligible_from, eligible_to=eligible_to,
                      deductible_met=deductible_met, out_of_pocket_met=out_of_pocket_met)

    def provider_adjustment(self, node: Any, path: str) -> ProviderAdjustmentRule | None:
        if not isinstance(node, Mapping):
            self.error(path, "must be a mapping with npi, reason, reference and amount")
            return None
        npi = self.text(node, "npi", path)
        if npi and not npi_is_valid(npi):
            self.error(f"{path}.npi", f"'{npi}' is not a valid NPI (10 digits with a check digit)")
        reason = self.text(node, "reason", path).upper()
        reference = self.text(node, "reference", path)
        if "amount" not in node:
            self.error(f"{path}.amount", "required")
            return None
        amount = self.signed_money(node["amount"], f"{path}.amount")
        return ProviderAdjustmentRule(npi=npi, reason=reason, reference=reference, amount=amount)
