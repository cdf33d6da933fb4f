package im.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Message priority: under pressure outbound queues drop low first and high last. */
public enum Priority {
    @JsonProperty("low")
    LOW,
    @JsonProperty("medium")
    MEDIUM,
    @JsonProperty("high")
    HIGH
}
