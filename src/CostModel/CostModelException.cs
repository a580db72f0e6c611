namespace FSpiNN.CostModel;

/// <summary>Base of every error the cost model raises on bad input; the message names the offending entry and field.</summary>
public class CostModelException(string message) : Exception(message);

/// <summary>A <see cref="NetworkDescription"/> or <see cref="ActivityCounts"/> is inconsistent (unknown population, bad size, bad precision...).</summary>
public sealed class InvalidNetworkDescriptionException(string message) : CostModelException(message);

/// <summary>An energy profile is malformed: missing field, negative energy, unknown memory level, unknown action...</summary>
public sealed class InvalidEnergyProfileException(string message) : CostModelException(message);
