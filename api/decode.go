package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// readBody reads the whole request body within the API's size limit; a
// larger body becomes *http.MaxBytesError (413 in toHTTP).
func (a *API) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return a.readBodyLimit(w, r, a.maxBody)
}

// decodeBody reads and strictly decodes the request body into dst; with
// optional an empty body leaves dst zero.
func (a *API) decodeBody(w http.ResponseWriter, r *http.Request, dst any, optional bool) error {
	body, err := a.readBody(w, r)
	if err != nil {
		return err
	}
	if optional && len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	return decodeStrict(body, dst)
}

// readBodyLimit is readBody with a route's own limit.
func (a *API) readBodyLimit(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, badRequest("could not read the request body")
	}
	return b, nil
}

// decodeStrict decodes exactly one JSON value into dst, refusing unknown
// fields and trailing data.
func decodeStrict(body []byte, dst any) error {
	return decodeJSON(body, dst, true)
}

func decodeJSON(body []byte, dst any, strict bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errorf(http.StatusBadRequest, CodeInvalidJSON, "request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(dst); err != nil {
		return errorf(http.StatusBadRequest, CodeInvalidJSON, describeJSONError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return errorf(http.StatusBadRequest, CodeInvalidJSON, "request body must hold one JSON value")
	}
	return nil
}

// describeJSONError says what is wrong with a body without echoing it.
func describeJSONError(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		if te.Field != "" {
			return fmt.Sprintf("field %q must be %s", te.Field, jsonKind(te.Type.Kind().String()))
		}
		return "request body must be a JSON object"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated JSON"
	}
	// encoding/json reports unknown fields as `json: unknown field "x"`.
	if msg := err.Error(); len(msg) > 6 && msg[:6] == "json: " {
		return msg[6:]
	}
	return "malformed JSON"
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	case "bool":
		return "a boolean"
	case "ptr", "struct", "map":
		return "an object"
	case "slice":
		return "an array"
	}
	return "of another type"
}
