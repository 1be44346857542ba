# syntax=docker/dockerfile:1

# Build: a static binary (pure-Go SQLite driver, so no cgo).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/crm . \
 && mkdir -p /out/data

# Run: no shell, no package manager, an unprivileged user.
FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/crm /app/crm
COPY --from=build --chown=nonroot:nonroot /out/data /app/data
COPY config.yaml /app/config.yaml
USER nonroot:nonroot
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["/app/crm", "healthcheck"]
ENTRYPOINT ["/app/crm"]
CMD ["serve"]
