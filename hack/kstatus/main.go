// kstatus reads one Kubernetes object as JSON on stdin and prints what kstatus
// (sigs.k8s.io/cli-utils, the library behind Flux's health checks and
// `flux wait`) computes for it: {"status": "Current|InProgress|Failed|...", "message": "..."}.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

type result struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kstatus:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	// Unstructured's own decoder keeps integers as int64, which kstatus needs to
	// compare metadata.generation with status.observedGeneration.
	object := &unstructured.Unstructured{}
	if err := object.UnmarshalJSON(data); err != nil {
		return err
	}
	computed, err := status.Compute(object)
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(result{Status: string(computed.Status), Message: computed.Message})
}
