using FSpiNN.Snn.Config;
using FSpiNN.Snn.Models;
using FSpiNN.SnnSearch;
using SkiaSharp;

namespace FSpiNN.Dse.Tests;

/// <summary>`fspinn show weights`: tiles, each neuron's class above its tile, and a colour bar from 0 to the largest weight.</summary>
public sealed class ReceptiveFieldImageTests
{
    private static (SKBitmap Labelled, SKBitmap Unlabelled) Draw()
    {
        var model = SnnModel.Create(NetworkPresets.BindsNet(4), 784, seed: 3);
        var path = Path.Combine(Path.GetTempPath(), $"fspinn-fields-{Guid.NewGuid():N}.png");
        try
        {
            ReceptiveFieldImage.WritePng(model, 28, 28, path, scale: 2);
            var unlabelled = SKBitmap.Decode(path);
            model.Assignments[0] = 7;
            model.IsLabelled = true;
            ReceptiveFieldImage.WritePng(model, 28, 28, path, scale: 2);
            return (SKBitmap.Decode(path), unlabelled);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static int DarkPixels(SKBitmap bitmap, SKRectI area)
    {
        var count = 0;
        for (var y = area.Top; y < area.Bottom; y++)
            for (var x = area.Left; x < area.Right; x++)
                if (bitmap.GetPixel(x, y).Red < 128) count++;
        return count;
    }

    [Test]
    public void Each_tile_has_its_class_above_it_and_the_figure_a_grey_colour_bar()
    {
        var (labelled, unlabelled) = Draw();
        using (labelled)
        using (unlabelled)
        {
            // 4 neurons: 2 x 2 tiles of 56 px; the strip above the first tile holds its class once labelled
            var labelStrip = new SKRectI(6, 20, 62, 34);
            Assert.That(DarkPixels(unlabelled, labelStrip), Is.Zero, "no label before labelling");
            Assert.That(DarkPixels(labelled, labelStrip), Is.GreaterThan(5), "the class drawn above the tile");

            // the bar sits right of the tiles: find its column, white at the top, black at the bottom
            var row = labelled.Height / 2;
            var barX = Enumerable.Range(2 * 58 + 8, labelled.Width - 2 * 58 - 8).First(x => labelled.GetPixel(x, row).Red < 250);
            var column = Enumerable.Range(0, labelled.Height).Select(y => (int)labelled.GetPixel(barX + 3, y).Red).ToArray();
            var top = Array.FindIndex(column, v => v < 50); // the bar's black outline
            var samples = Enumerable.Range(0, 6).Select(k => column[top + 2 + 15 * k]).ToArray();
            Assert.That(samples[0], Is.GreaterThan(240), "white (the largest weight) at the top of the bar");
            Assert.That(samples, Is.Ordered.Descending, "darker downwards");
            Assert.That(column.Skip(top + 2).Take(labelled.Height - top - 12).Min(), Is.LessThan(20), "black (0) at the bottom");
        }
    }
}
