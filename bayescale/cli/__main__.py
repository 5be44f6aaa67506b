from bayescale.cli import app

app()
