"""`make demo`: a local web page where every trained version reads the digit you draw or upload.

app.py is the FastAPI application (the JSON API and the page), models.py holds the trained
versions and runs their inference, page.html is the whole front end (plain JavaScript, no CDN).
"""
