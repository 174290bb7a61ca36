"""End-to-end tests of the Streamlit app in Debian's headless Chromium (``make e2e``)."""
