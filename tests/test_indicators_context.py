"""Topic groups and titles of the committed context indicators."""

from __future__ import annotations

import pytest

from casestudy.errors import CaseStudyError
from casestudy.indicators import TITLES, topic, topics
from casestudy.indicators.recipes import SELECTION


def test_topics_joins_the_named_topics_in_order_and_all_by_default():
    names = ("spending", "capacity", "workforce", "outcomes", "ageing")
    assert topics() == [code for name in names for code in topic(name)]
    assert topics("ageing", "capacity") == [*topic("ageing"), "beds_per_1000"]
    assert len(set(topics())) == len(topics())


def test_every_topic_code_has_a_title_and_is_extracted():
    extracted = {code for codes in SELECTION.values() for code in codes}
    assert set(topics()) <= set(TITLES)
    assert set(topics()) <= extracted


def test_unknown_topic_is_refused():
    with pytest.raises(CaseStudyError, match="unknown topic 'beds'"):
        topics("capacity", "beds")
