"""BIP-39 word lists and the small vocabularies the detectors consult."""

from __future__ import annotations

import unicodedata
from functools import cache

from mnemonic import Mnemonic


@cache
def english_words() -> frozenset[str]:
    """The 2048 English BIP-39 words."""
    return frozenset(Mnemonic("english").wordlist)


@cache
def japanese_words() -> frozenset[str]:
    """The 2048 Japanese BIP-39 words, NFKC-composed like the text we scan."""
    # The shipped list is NFKD (decomposed dakuten); our text is NFKC.
    return frozenset(unicodedata.normalize("NFKC", w) for w in Mnemonic("japanese").wordlist)


# Words that follow "password"/"pin" in ordinary complaints and are not the secret itself.
NOT_A_PASSWORD = frozenset(
    """
    is was not no wrong incorrect invalid reset forgot forgotten lost changed change expired
    locked doesn't does didn't isn't won't can't cannot for to of and or the my a an it this
    that again please help error field box manager policy requirements rules recovery code
    please. again. code. number login screen page email via by from with without
    """.split()
)
