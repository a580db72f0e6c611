using FSpiNN.Dse.Space;

namespace FSpiNN.Dse;

/// <summary>The space a bare `fspinn explore` searches: 2 networks x 2 sizes x 3 precisions = 12 small candidates.</summary>
public static class DefaultSpace
{
    public const string Json = """
        {
          "name": "default",
          "description": "Small built-in space: FSpiNN vs BindsNET baseline, tiny networks, three weight precisions.",
          "parameters": {
            "network": ["bindsnet", "fspinn"],
            "neurons": [25, 100],
            "bits": [32, 8, 4]
          },
          "fixed": { "rounding": "sr", "quantize": "ptq", "train_samples": 500 }
        }
        """;

    public static SearchSpace Create() => SearchSpace.Parse(Json, "default");
}
