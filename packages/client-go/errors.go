// SPDX-License-Identifier: Apache-2.0

package vmnetbroker

import (
	"fmt"

	"github.com/vmnet-broker/vmnet-broker/packages/client-go/internal/brokerpb"
)

// Code is the shared error vocabulary of the broker and every client
// (ErrorCode in protocol/vmnet_broker/v1/broker.proto). Values 0-7 are the
// existing vmnet-broker's vmnet_broker_return_t numbers.
type Code int32

// The codes of the protocol. CodeTransportFailure and CodeInvalidReply are
// produced by the client itself; the others come from the broker.
const (
	CodeSuccess          Code = Code(brokerpb.ErrorCode_ERROR_CODE_SUCCESS)
	CodeTransportFailure Code = Code(brokerpb.ErrorCode_ERROR_CODE_TRANSPORT_FAILURE)
	CodeInvalidReply     Code = Code(brokerpb.ErrorCode_ERROR_CODE_INVALID_REPLY)
	CodeNotAllowed       Code = Code(brokerpb.ErrorCode_ERROR_CODE_NOT_ALLOWED)
	CodeInvalidRequest   Code = Code(brokerpb.ErrorCode_ERROR_CODE_INVALID_REQUEST)
	CodeNotFound         Code = Code(brokerpb.ErrorCode_ERROR_CODE_NOT_FOUND)
	CodeCreateFailure    Code = Code(brokerpb.ErrorCode_ERROR_CODE_CREATE_FAILURE)
	CodeInternal         Code = Code(brokerpb.ErrorCode_ERROR_CODE_INTERNAL_ERROR)
	CodeLimitExceeded    Code = Code(brokerpb.ErrorCode_ERROR_CODE_LIMIT_EXCEEDED)
	CodeUnsupported      Code = Code(brokerpb.ErrorCode_ERROR_CODE_UNSUPPORTED)
)

var codeNames = map[Code]string{
	CodeSuccess:          "success",
	CodeTransportFailure: "transport failure",
	CodeInvalidReply:     "invalid reply",
	CodeNotAllowed:       "not allowed",
	CodeInvalidRequest:   "invalid request",
	CodeNotFound:         "not found",
	CodeCreateFailure:    "create failure",
	CodeInternal:         "internal error",
	CodeLimitExceeded:    "limit exceeded",
	CodeUnsupported:      "unsupported",
}

// String returns the code's name in lower case, for example "not found".
func (c Code) String() string {
	if name, ok := codeNames[c]; ok {
		return name
	}
	return fmt.Sprintf("unknown code %d", int32(c))
}

// Error is every error the broker or this client reports. Compare with the
// sentinels using errors.Is:
//
//	if errors.Is(err, vmnetbroker.ErrNotFound) { ... }
//
// Transport failures carry the underlying error as Cause, so errors.Is also
// sees through to it (for example syscall.ECONNREFUSED or io.EOF).
type Error struct {
	// Code is the shared error code.
	Code Code
	// Message explains what went wrong, naming the request, file or field.
	Message string
	// Cause is the lower-level error behind a transport failure, or nil.
	Cause error
}

// Error formats the error as "vmnet-broker: <code>: <message>: <cause>".
func (e *Error) Error() string {
	s := "vmnet-broker: " + e.Code.String()
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the cause, so errors.Is and errors.As look through it.
func (e *Error) Unwrap() error { return e.Cause }

// Is reports whether target is an *Error with the same code; messages and
// causes do not matter. This is what makes errors.Is(err, ErrNotFound) work.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinel errors, one per code, for errors.Is. They carry no message.
var (
	ErrTransportFailure = &Error{Code: CodeTransportFailure}
	ErrInvalidReply     = &Error{Code: CodeInvalidReply}
	ErrNotAllowed       = &Error{Code: CodeNotAllowed}
	ErrInvalidRequest   = &Error{Code: CodeInvalidRequest}
	ErrNotFound         = &Error{Code: CodeNotFound}
	ErrCreateFailure    = &Error{Code: CodeCreateFailure}
	ErrInternal         = &Error{Code: CodeInternal}
	ErrLimitExceeded    = &Error{Code: CodeLimitExceeded}
	ErrUnsupported      = &Error{Code: CodeUnsupported}
)

func transportError(cause error, format string, args ...any) *Error {
	return &Error{Code: CodeTransportFailure, Message: fmt.Sprintf(format, args...), Cause: cause}
}

func invalidReply(format string, args ...any) *Error {
	return &Error{Code: CodeInvalidReply, Message: fmt.Sprintf(format, args...)}
}
