"""Speed-networking pairing: who meets whom among the attendees waiting now.

Pure: the service locks the waiting rows, calls :func:`pair_up`, and stores the pairs in
the same transaction (see speed.py)."""

from itertools import combinations


def pair_up(waiting, interests, forbidden):
    """Pairs among ``waiting`` (attendee ids, longest-waiting first).

    ``interests`` maps an attendee to their set of interest ids; ``forbidden`` is a set
    of frozensets: pairs that must not meet (a block either way, or met too recently).
    Greedy: the pair sharing the most interests first, ties to whoever waited longest,
    so everyone who can be paired usually is and nobody is in two pairs.  Returns
    ``[(a, b, sorted shared interests)]``; the unpaired keep waiting.
    """
    order = {attendee: rank for rank, attendee in enumerate(waiting)}
    candidates = []
    for a, b in combinations(waiting, 2):
        if frozenset((a, b)) in forbidden:
            continue
        shared = interests.get(a, set()) & interests.get(b, set())
        candidates.append((-len(shared), max(order[a], order[b]), order[a] + order[b], a, b))
    candidates.sort()
    paired, pairs = set(), []
    for _, _, _, a, b in candidates:
        if a in paired or b in paired:
            continue
        paired |= {a, b}
        shared = interests.get(a, set()) & interests.get(b, set())
        pairs.append((a, b, sorted(shared)))
    return pairs
