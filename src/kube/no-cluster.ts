/** Thrown when no kubeconfig and no in-cluster service account is found. Its own module: --help and --version import it without loading the Kubernetes client. */
export class NoClusterConfiguredError extends Error {
  constructor() {
    super(
      "no Kubernetes cluster configured: set KUBECONFIG (or --kubeconfig) to a kubeconfig file, or run in a pod with a service account",
    );
    this.name = "NoClusterConfiguredError";
  }
}
