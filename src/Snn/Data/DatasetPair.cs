namespace FSpiNN.Snn.Data;

/// <summary>A training set and, when its files are present, the matching test set (same image size: checked here, before any training).</summary>
public sealed record DatasetPair
{
    public DatasetPair(Dataset train, Dataset? test)
    {
        if (test is not null && (test.Rows != train.Rows || test.Cols != train.Cols))
            throw new InvalidDataException(
                $"the test images of {test.Describe()} are {test.Rows}x{test.Cols} but the training images of {train.Describe()} are {train.Rows}x{train.Cols}; "
                + "a network trained on one size cannot be tested on the other: use the test files of the same dataset");
        Train = train;
        Test = test;
    }

    public Dataset Train { get; }
    public Dataset? Test { get; }
}
