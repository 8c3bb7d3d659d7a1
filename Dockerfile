# syntax=docker/dockerfile:1
# Multi-stage build: a static, pure-Go binary (SQLite is modernc.org/sqlite,
# no cgo) on a distroless base, running as a non-root user.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/outpost ./cmd/outpost \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/outpost /usr/local/bin/outpost
COPY --from=build --chown=65532:65532 /out/data /var/lib/outpost
USER 65532:65532
WORKDIR /var/lib/outpost
# In a container the listeners must not be loopback-only.
ENV OUTPOST_DATA_DIR=/var/lib/outpost \
    OUTPOST_SMTP_ADDR=:2525 \
    OUTPOST_HTTP_ADDR=:8080
VOLUME ["/var/lib/outpost"]
# 2525: SMTP submission from tenants (STARTTLS + AUTH); 8080: admin API, /metrics, /healthz, /readyz.
EXPOSE 2525 8080
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/outpost"]
CMD ["serve"]
