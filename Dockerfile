# Descent Lab in a small CPU-only image.
#   docker build -t descent-lab .
#   docker run -p 8501:8501 descent-lab          # then open http://localhost:8501
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    JAX_PLATFORMS=cpu \
    DESCENT_LAB_JAX_CACHE=/app/.jax_cache

# An unprivileged user runs the app; the code stays root-owned (read-only to it), and only
# the JAX compilation cache is writable.
RUN useradd --create-home --uid 10001 app
# A CJK font for what the server draws itself (the exported GIF/MP4 frames' text in Korean);
# the pages' own text is drawn by the visitor's browser.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app

COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
# The live map loads plotly.js from the app itself (static/, served at /app/static): copy it out of
# the plotly package now, while the code is still writable.
RUN python -m compileall -q /app \
    && python -c "from ui.live_map import plotly_src; plotly_src()" \
    && install -d -o app -g app "$DESCENT_LAB_JAX_CACHE"

USER app
# Compile every surface x optimizer pairing now, so no visitor waits for XLA. The cache is
# only reused on a CPU with the same features as the build machine (XLA checks them and
# recompiles otherwise), so build on the kind of host that will run the image.
RUN python scripts/warm_cache.py

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]
CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501"]
