"""A scan's texts spilled to a temporary file come back character for character, however puts
and gets interleave (puts are buffered; a get moves the file position)."""

from __future__ import annotations

import random

from derivdetect.store.cache import TextSpill


def test_texts_come_back_exactly_with_puts_and_gets_interleaved():
    rnd = random.Random(5)
    alphabet = ["a", "é", "中", "\U0001F600", "\ud800", "\n", " ", "\x00"]
    stored: list = []
    with TextSpill() as spill:
        for step in range(3000):
            if stored and rnd.random() < 0.3:
                number = rnd.randrange(len(stored))
                assert spill.get(number) == stored[number]
            else:
                text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 300)))
                assert spill.put(text) == len(stored)
                stored.append(text)
        assert [spill.get(i) for i in range(len(stored))] == stored
