"""What the Streamlit page (app.py) needs beside its drawing: safe markup, a browser driver."""
