"""Meeting slots: when two people can meet (pure functions)."""


def overlaps(start, end, other_start, other_end):
    """Whether [start, end) and [other_start, other_end) share any moment."""
    return start < other_end and other_start < end


def first_conflict(slot, busy):
    """The first (starts_at, ends_at, what) of ``busy`` the slot overlaps, or None."""
    for busy_start, busy_end, what in busy:
        if overlaps(slot["starts_at"], slot["ends_at"], busy_start, busy_end):
            return busy_start, busy_end, what
    return None


def slot_errors(slots, busy, window_start, window_end, now):
    """Per slot index, what is wrong with it: in the past, outside the event, overlapping
    another proposed slot, or overlapping ``busy`` (agenda sessions and accepted
    meetings of either person).  An empty dict means every slot is free."""
    errors = {}
    for index, slot in enumerate(slots):
        problem = None
        if slot["starts_at"] <= now:
            problem = "Starts in the past."
        elif (window_start and slot["starts_at"] < window_start) or (
            window_end and slot["ends_at"] > window_end
        ):
            problem = "Outside the event's dates."
        elif any(
            overlaps(slot["starts_at"], slot["ends_at"], other["starts_at"], other["ends_at"])
            for other in slots[:index]
        ):
            problem = "Overlaps another proposed slot."
        else:
            conflict = first_conflict(slot, busy)
            if conflict is not None:
                problem = f"Overlaps {conflict[2]}."
        if problem:
            errors[str(index)] = [problem]
    return errors
