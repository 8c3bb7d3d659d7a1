package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/outpost-mail/outpost/internal/store"
)

// Stable error codes; clients branch on these, so extend, never rename.
const (
	CodeBadRequest       = "bad_request"
	CodeInvalidJSON      = "invalid_json"
	CodeUnauthorized     = "unauthorized"
	CodeSignatureMissing = "signature_missing"
	CodeSignatureInvalid = "signature_invalid"
	CodeSignatureStale   = "signature_stale"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeConflict         = "conflict"
	CodeTooLarge         = "too_large"
	CodeValidation       = "validation"
	CodeInternal         = "internal"
	CodeUnavailable      = "unavailable"
)

// Error is an error with an HTTP status and a stable code, safe to show to
// the caller. Handlers return it for anything the caller did wrong.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errorf(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

func badRequest(msg string) *Error { return errorf(http.StatusBadRequest, CodeBadRequest, msg) }
func invalid(msg string) *Error {
	return errorf(http.StatusUnprocessableEntity, CodeValidation, msg)
}
func conflict(msg string) *Error { return errorf(http.StatusConflict, CodeConflict, msg) }

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// temporary is the optional interface of errors that say a retry may work.
type temporary interface{ Temporary() bool }

// toHTTP is the one place where errors become an HTTP status and a body.
// It returns the caller-safe Error and whether the error is internal (logged).
func toHTTP(err error) (e *Error, internal bool) {
	var ae *Error
	var mbe *http.MaxBytesError
	var tmp temporary
	switch {
	case errors.As(err, &ae):
		return ae, false
	case errors.As(err, &mbe):
		return errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "request body too large"), false
	case errors.Is(err, store.ErrNotFound):
		return errorf(http.StatusNotFound, CodeNotFound, "not found"), false
	case errors.Is(err, store.ErrExists):
		return conflict("already exists"), false
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return errorf(http.StatusServiceUnavailable, CodeUnavailable, "service unavailable, retry later"), true
	case errors.As(err, &tmp) && tmp.Temporary():
		return errorf(http.StatusServiceUnavailable, CodeUnavailable, "service unavailable, retry later"), true
	}
	if qe := quotaError(err); qe != nil {
		return qe, false
	}
	if re := reviewError(err); re != nil {
		return re, false
	}
	return errorf(http.StatusInternalServerError, CodeInternal, "internal error"), true
}

// WriteError answers err in the API's error shape, mapped by the same rules
// as the API's own routes (an *Error as is; store.ErrNotFound 404; ...;
// anything unknown 500 with no detail, logged to log, which may be nil).
// For routes added with Options.Mount.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	writeError(w, r, log, err)
}

// WriteJSON answers v as JSON with the API's headers (no-store, nosniff).
func WriteJSON(w http.ResponseWriter, status int, v any) { writeJSON(w, status, v) }

// writeError answers err as JSON; internal errors are logged, not shown.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e, internal := toHTTP(err)
	if internal && log != nil {
		log.ErrorContext(r.Context(), "api request failed", "method", r.Method, "path", r.URL.Path,
			"status", e.Status, "err", err)
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="outpost"`)
	}
	writeJSON(w, e.Status, errorBody{Error: errorDetail{Code: e.Code, Message: e.Message}})
}

// writeJSON answers v with the status. Responses are never cached: several
// carry secrets shown once.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	writeRawJSON(w, status, b)
}

func writeRawJSON(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
	_, _ = w.Write([]byte("\n"))
}
