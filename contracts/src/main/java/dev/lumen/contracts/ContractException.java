package dev.lumen.contracts;

/** A message that does not follow its contract (bad JSON, wrong or unknown schema version, missing fields). */
public class ContractException extends RuntimeException {
    public ContractException(String message) {
        super(message);
    }

    public ContractException(String message, Throwable cause) {
        super(message, cause);
    }
}
