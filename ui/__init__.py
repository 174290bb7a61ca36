"""Streamlit-side helpers: language, formatting, state, cached simulations, figures."""
