"""The floor for the dashboard's timings: a Streamlit page with one small chart, a text box and no
data, measured by benchmarks/dashboard_scale.py in the same browser on the same machine (its
first render; a value typed in the box redraws it, the floor for a redraw)."""

import altair as alt
import pandas as pd
import streamlit as st

st.subheader("Baseline: one chart, no warehouse")
typed = st.text_input("Query (whole words)", key="q")
st.altair_chart(alt.Chart(pd.DataFrame({"x": [1, 2, 3], "y": [3, 1, len(typed)]})).mark_bar().encode(x="x:O", y="y:Q"))
st.caption("End of page.")
