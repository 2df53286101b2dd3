// SPDX-License-Identifier: Apache-2.0

package vmnetbroker

// FakeBrokerForExamples starts the in-process fake broker (fakebroker_test.go)
// in dir so the runnable examples work without a real daemon. It exists only
// in tests; real programs talk to the real broker.
func FakeBrokerForExamples(dir string) (socketPath string, stop func(), err error) {
	b, err := startFakeBroker(dir, nil)
	if err != nil {
		return "", nil, err
	}
	return b.path, b.Close, nil
}
