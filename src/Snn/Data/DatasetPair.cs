namespace FSpiNN.Snn.Data;

/// <summary>A training set and, when its files are present, the matching test set.</summary>
public sealed record DatasetPair(Dataset Train, Dataset? Test);
