"""研修: seven short lessons on how the funnel works, and the trainer's guide."""

from __future__ import annotations

import streamlit as st

from ui import training_page
from ui.i18n import t

st.title(t("training.title"))
st.caption(t("training.caption"))

training_page.start_from_link()
training_page.write_link()

number = training_page.current()
if number == training_page.TRAINER:
    training_page.trainer_guide()
else:
    training_page.lesson(number)
