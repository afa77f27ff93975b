"""Rate limits counted from the service's own rows, so they hold across replicas.

A rule string is the gateway's notation: ``"20/minute;300/hour"``."""

from datetime import timedelta

from contracts.errors import TooManyRequests

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse_rules(rules):
    """``"20/minute;300/hour"`` -> ``[(20, 60), (300, 3600)]`` (count, seconds)."""
    parsed = []
    for rule in str(rules).split(";"):
        if not rule.strip():
            continue
        count, _, period = rule.strip().partition("/")
        parsed.append((int(count), PERIODS[period.strip().removesuffix("s")]))
    return parsed


def retry_after(recent, rules, now):
    """Seconds until one more action is allowed, or None if it is allowed now.

    ``recent``: when the earlier actions happened (any order), at least those within
    the longest period of ``rules``."""
    waits = []
    newest_first = sorted(recent, reverse=True)
    for count, seconds in rules:
        window_start = now - timedelta(seconds=seconds)
        within = [moment for moment in newest_first if moment > window_start]
        if len(within) >= count:
            # the count-th most recent has to leave the window first
            leaves_at = within[count - 1] + timedelta(seconds=seconds)
            waits.append((leaves_at - now).total_seconds())
    if not waits:
        return None
    return max(1, int(max(waits) + 0.999))


def longest_period(rules):
    return timedelta(seconds=max((seconds for _, seconds in rules), default=0))


def check(recent, rules, now, what):
    """TooManyRequests (429, with Retry-After) when one more ``what`` is over the rules."""
    wait = retry_after(recent, rules, now)
    if wait is not None:
        raise TooManyRequests.after(f"Too many {what}; try again in {wait} s.", wait)
