/// keygate's version, as `keygate --version` prints it and the metrics' `keygate_build_info` reports it.
public enum KeygateVersion {
    public static let current = "0.1.0"
}
