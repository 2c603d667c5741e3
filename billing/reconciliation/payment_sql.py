"""The set-based checks and conversions of a staged report, as SQL over its text cells.

A report staged by COPY (`payment_copy`) has one text column per cell; these functions
write, for a map `v` of column names to those cells, the SQL that checks a row as
`report_rows.parse_row` would and converts its cells to an item's values. A check may
find a valid row wanting (it is then checked by `parse_row` itself), never pass an
invalid one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from billing.core.clock import FIRST_YEAR, LAST_INSTANT_YEAR, PROVIDER_TZ
from billing.core.money import MAX_MINOR, MINOR_DIGITS
from billing.payments.report_rows import ACCOUNT, INVOICES, METHODS, SIGNS

_STRIPE_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"


def filled(cells: list[str], bt: str) -> str:
    """A row with any cell not blank (a row of empty cells is skipped, as a blank line
    is); the balance transaction id is nearly always there, so it is looked at first."""
    blank = "E' \\t\\r\\n'"
    return (f"CASE WHEN btrim({bt}, {blank}) <> '' THEN true "
            f"ELSE btrim(concat({', '.join(cells)}), {blank}) <> '' END")


def padded(v: dict) -> str:
    """A cell with white space around it (Python strips it before checking)."""
    joined = f"concat_ws(E'\\x01', {', '.join(v.values())})"
    return f"{joined} ~ E'(^|\\x01)\\\\s|\\\\s(\\x01|$)'"


def valid(v: dict, now: datetime) -> str:
    """The set-based checks, as SQL over the trimmed cells `v`."""
    cur = v["currency"]
    checks = [
        f"{v['balance_transaction_id']} <> '' AND length({v['balance_transaction_id']}) <= 100",
        f"{v['reporting_category']} <> '' AND length({v['reporting_category']}) <= 50",
        f"{digits(cur)} IS NOT NULL",
        *(amount(v[name], cur) for name in ("gross", "fee", "net")),
        f"{v['gross']}::numeric - {v['fee']}::numeric = {v['net']}::numeric",
        stripe_time(v["created_utc"]),
        f"({v['created_utc']})::timestamp <= "
        f"'{now.astimezone(UTC).replace(tzinfo=None).isoformat()}'::timestamp",
        *(f"({v[name]} = '' OR {stripe_time(v[name])})" for name in
          ("available_on_utc", "automatic_payout_effective_at_utc") if name in v),
        *(f"length({v[name]}) <= 100" for name in
          ("source_id", "customer_id", "charge_id", "payment_intent_id", "automatic_payout_id")),
        f"length({v[ACCOUNT]}) <= 20", f"length({v[INVOICES]}) <= 40",
        signs_and_ties(v), facing(v),
    ]
    # Each check runs only once those before it hold (a cast never sees a bad value).
    return "CASE " + " ".join(f"WHEN NOT ({check}) THEN false" for check in checks) + \
        " ELSE true END"


def amount(value: str, currency: str) -> str:
    """Written like -1250.50, no more decimals than the currency has, within MAX_MINOR
    (a whole part short enough needs no arithmetic)."""
    pattern = f"CASE upper({currency}) " + " ".join(
        f"WHEN '{code}' THEN '^-?[0-9]+(\\.[0-9]{{1,{places}}})?$'" if places else
        f"WHEN '{code}' THEN '^-?[0-9]+$'" for code, places in MINOR_DIGITS.items()) + " END"
    short = len(str(MAX_MINOR)) - max(MINOR_DIGITS.values())
    return (f"CASE WHEN {digits(currency)} IS NULL THEN false "
            f"WHEN {value} !~ ({pattern}) THEN false "
            f"WHEN length(split_part(ltrim({value}, '-'), '.', 1)) < {short} THEN true "
            f"WHEN length(split_part(ltrim({value}, '-'), '.', 1)) > 12 THEN false "
            f"ELSE abs({value}::numeric) * {scale(currency)} <= {MAX_MINOR} END")


def digits(currency: str) -> str:
    return f"CASE upper({currency}) " + " ".join(
        f"WHEN '{code}' THEN {places}" for code, places in MINOR_DIGITS.items()) + " END"


def scale(currency: str) -> str:
    """Minor units per major unit, an integer: amounts stay exact numerics."""
    return f"CASE upper({currency}) " + " ".join(
        f"WHEN '{code}' THEN {10 ** places}" for code, places in MINOR_DIGITS.items()) + " END"


def stripe_time(value: str) -> str:
    part = f"substr({value}, {{start}}, {{length}})::int"
    year, month, day = (part.format(start=s, length=n) for s, n in ((1, 4), (6, 2), (9, 2)))
    hour, minute, second = (part.format(start=s, length=2) for s in (12, 15, 18))
    return (f"CASE WHEN {value} !~ '{_STRIPE_TIME}' THEN false "
            f"WHEN NOT ({year} BETWEEN {FIRST_YEAR} AND {LAST_INSTANT_YEAR} AND {month} "
            f"BETWEEN 1 AND 12 AND {hour} < 24 AND {minute} < 60 AND {second} < 60) THEN false "
            f"WHEN {day} BETWEEN 1 AND 28 THEN true "
            f"ELSE {day} <= extract(day from make_date({year}, {month}, 1) "
            f"+ interval '1 month' - interval '1 day') END")


def signs_and_ties(v: dict) -> str:
    cat, gross = v["reporting_category"], v["gross"]
    above = "', '".join(c for c, sign in SIGNS.items() if sign > 0)
    below = "', '".join(c for c, sign in SIGNS.items() if sign < 0)
    methods = "', '".join(METHODS)
    return (f"CASE WHEN {cat} IN ('{above}') THEN {gross}::numeric > 0 "
            f"WHEN {cat} IN ('{below}') THEN {gross}::numeric < 0 ELSE true END "
            f"AND ({cat} NOT IN ('{above}', '{below}') OR {v['payment_intent_id']} <> '' "
            f"OR {v['charge_id']} <> '') "
            f"AND ({cat} NOT IN ('refund', 'dispute') OR {v['source_id']} <> '') "
            f"AND ({cat} <> 'charge' OR {v['payment_method_type']} IN ('{methods}'))")


def facing(v: dict) -> str:
    if "customer_facing_currency" not in v or "customer_facing_amount" not in v:
        return "true"
    cur, value = v["customer_facing_currency"], v["customer_facing_amount"]
    return (f"CASE WHEN {cur} = '' OR {value} = '' THEN true "
            f"ELSE {amount(value, cur)} END")


def minor(value: str, currency: str) -> str:
    """A checked amount cell in minor units (an integer, exact)."""
    return f"({value}::numeric * {scale(currency)})::integer"


def created_at(value: str) -> str:
    """A checked Stripe time cell (UTC) as a timestamp with time zone."""
    return f"({value})::timestamp AT TIME ZONE 'UTC'"


def month_of(created: str) -> str:
    """The provider's calendar month ("2026-03") of a timestamp with time zone."""
    return f"to_char({created} AT TIME ZONE '{PROVIDER_TZ.key}', 'YYYY-MM')"


def plain_month_of(cell: str, created: str) -> str:
    """`month_of` for a plainly valid Stripe time cell (UTC, "2026-03-15 10:00:00"): from
    the 2nd to the 27th of a month the provider's day, less than a day away, is in the
    same month, so the time zone (which costs more than the rest of the row's
    conversions) is looked up only near a month's ends."""
    return (f"CASE WHEN substr({cell}, 9, 2)::integer BETWEEN 2 AND 27 THEN left({cell}, 7) "
            f"ELSE {month_of(created)} END")


# The cells of set forms (amounts, times, currency) cannot have white space around them.
_SET_FORMS = ("currency", "gross", "fee", "net", "created_utc", "available_on_utc",
              "automatic_payout_effective_at_utc")
_LONGEST = {"balance_transaction_id": 100, "reporting_category": 50, "source_id": 100,
            "customer_id": 100, "charge_id": 100, "payment_intent_id": 100,
            "automatic_payout_id": 100, ACCOUNT: 20, INVOICES: 40}


def plain(v: dict, now: datetime) -> str:
    """A stricter `valid` and not `padded`, cheaper to run, for a pass that is undone
    when a cast fails: a time or an amount is checked by casting it and writing it back
    (it must come out as it was written), which costs a fraction of a pattern match. A
    row it finds wanting may still be valid (an amount written "007", a currency in
    mixed case, a large amount): the careful way decides."""
    checks = [
        f"{v['balance_transaction_id']} <> '' AND {v['reporting_category']} <> '' AND "
        + " AND ".join(f"octet_length({v[name]}) <= {most}" for name, most in _LONGEST.items()),
        f"{v['currency']} IN ({_currency_cells()})",
        *(_plain_amount(v[name], v["currency"]) for name in ("gross", "fee", "net")),
        f"{v['gross']}::numeric - {v['fee']}::numeric = {v['net']}::numeric",
        _plain_time(v["created_utc"], now.astimezone(UTC).replace(tzinfo=None).isoformat()),
        *(f"({v[name]} = '' OR {_plain_time(v[name], f'{LAST_INSTANT_YEAR}-12-31 23:59:59')})"
          for name in
          ("available_on_utc", "automatic_payout_effective_at_utc") if name in v),
        f"NOT ({padded({name: cell for name, cell in v.items() if name not in _SET_FORMS})})",
        signs_and_ties(v), facing(v),
    ]
    # A check that comes out NULL (NaN has no scale) fails, as a false one does.
    return "CASE " + " ".join(f"WHEN NOT coalesce({check}, false) THEN false"
                              for check in checks) + " ELSE true END"


def _currency_cells() -> str:
    return ", ".join(f"'{written}'" for code in MINOR_DIGITS
                     for written in (code.lower(), code.upper()))


def _plain_amount(value: str, currency: str) -> str:
    places = set(MINOR_DIGITS.values())
    most = str(places.pop()) if len(places) == 1 else (
        f"CASE upper({currency}) " + " ".join(
            f"WHEN '{code}' THEN {digits}" for code, digits in MINOR_DIGITS.items()) + " END")
    number = f"{value}::numeric"
    return (f"{number}::text = {value} AND scale({number}) <= {most} "
            f"AND abs({number}) * {scale(currency)} <= {MAX_MINOR}")


def _plain_time(value: str, until: str) -> str:
    """Stripe's form exactly (a day the month has), from FIRST_YEAR to `until` (UTC)."""
    moment = f"{value}::timestamp"
    return (f"to_char({moment}, 'YYYY-MM-DD HH24:MI:SS') = {value} "
            f"AND {moment} >= '{FIRST_YEAR}-01-01' AND {moment} <= '{until}'::timestamp")
