# COCO as a container: the Slack (or Teams) bot, its job worker and digest scheduler in one process.
#   docker build -t coco .
#   docker run -e SLACK_BOT_TOKEN -e SLACK_SIGNING_SECRET -e MLFLOW_TRACKING_URI=http://mlflow:5000 \
#              -e COCO_DATABASE_URL=postgresql://coco@db/coco -p 3000:3000 coco
# Two replicas on PostgreSQL beside an MLflow server: deploy/compose.yaml and docs/deploy.md.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY core core
COPY adapters adapters
COPY narrative narrative
COPY storage storage
# COCO alone: not its `demo` extra (scikit-learn and SciPy, which only `coco demo` uses).
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 coco
COPY --from=build /install /usr/local
USER coco
ENV COCO_HOME=/home/coco/.coco \
    MLFLOW_DISABLE_TELEMETRY=true \
    DO_NOT_TRACK=true \
    PYTHONUNBUFFERED=1
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=2)" || exit 1
ENTRYPOINT ["coco"]
# -v: log lines go to stderr too, where `docker logs` reads them (coco.log stays inside the container).
CMD ["-v", "serve", "slack", "--port", "3000"]
