using CostConsole.Prometheus;
using CostConsole.Tests.Shared;

namespace CostConsole.Tests.Unit;

public sealed class PrometheusEnvelopeTests
{
    private readonly PrometheusClient _client = Prom.Client("http://127.0.0.1:9");

    private PromResponse<PromQueryData> Parse(int status, string body) =>
        _client.ParseEnvelope("api/v1/query", status, body, PrometheusClient.ParseQueryData);

    [Fact]
    public void A_vector_answer_is_read_with_labels_times_and_values()
    {
        var response = Parse(200, """
            {"status":"success","data":{"resultType":"vector","result":[
              {"metric":{"__name__":"up","job":"a"},"value":[1700000000.5,"1"]},
              {"metric":{"job":"b"},"value":[1700000000.5,"NaN"]}]}}
            """);

        Assert.True(response.IsComplete);
        Assert.Equal(2, response.Data.Series.Count);
        Assert.Equal("a", response.Data.Series[0].Label("job"));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_500), response.Data.Series[0].Samples[0].Time);
        Assert.Equal(1.0, response.Data.Series[0].Samples[0].Value);
        Assert.True(double.IsNaN(response.Data.Series[1].Samples[0].Value));
    }

    [Fact]
    public void A_matrix_answer_keeps_every_sample_in_order()
    {
        var response = Parse(200, """
            {"status":"success","data":{"resultType":"matrix","result":[
              {"metric":{"job":"a"},"values":[[100,"1"],[160,"2.5"],[220,"+Inf"]]}]}}
            """);

        var samples = response.Data.Series.Single().Samples;
        Assert.Equal([1.0, 2.5, double.PositiveInfinity], samples.Select(s => s.Value));
        Assert.Equal([100L, 160L, 220L], samples.Select(s => s.Time.ToUnixTimeSeconds()));
    }

    [Fact]
    public void A_scalar_answer_is_read()
    {
        var response = Parse(200, """{"status":"success","data":{"resultType":"scalar","result":[1700000000,"42"]}}""");
        Assert.Equal(42.0, response.Data.Scalar?.Value);
    }

    [Fact]
    public void Warnings_and_infos_mark_the_answer_incomplete()
    {
        var response = Parse(200, """
            {"status":"success","data":{"resultType":"vector","result":[]},
             "warnings":["partial response: store gateway 2 unreachable"],"infos":["PromQL info: metric might not be a counter"]}
            """);

        Assert.False(response.IsComplete);
        Assert.Equal(["partial response: store gateway 2 unreachable"], response.Warnings);
        Assert.Equal(["PromQL info: metric might not be a counter"], response.Infos);
    }

    [Theory]
    [InlineData(400, "bad_data", PrometheusFailure.BadQuery)]
    [InlineData(422, "execution", PrometheusFailure.Execution)]
    [InlineData(503, "timeout", PrometheusFailure.Timeout)]
    [InlineData(503, "canceled", PrometheusFailure.Canceled)]
    [InlineData(503, "unavailable", PrometheusFailure.Unavailable)]
    [InlineData(500, "internal", PrometheusFailure.Internal)]
    [InlineData(404, "not_found", PrometheusFailure.NotFound)]
    public void Error_types_map_to_failures_that_carry_the_servers_message(int status, string errorType, PrometheusFailure expected)
    {
        var ex = Assert.Throws<PrometheusException>(() => Parse(status, $$"""{"status":"error","errorType":"{{errorType}}","error":"something specific"}"""));
        Assert.Equal(expected, ex.Failure);
        Assert.Equal(errorType, ex.ErrorType);
        Assert.Contains("something specific", ex.Message);
    }

    [Fact]
    public void An_html_page_is_reported_as_the_wrong_url()
    {
        var ex = Assert.Throws<PrometheusException>(() => Parse(200, "<html><body>Welcome to nginx</body></html>"));
        Assert.Equal(PrometheusFailure.Protocol, ex.Failure);
        Assert.Contains("Welcome to nginx", ex.Message);
        Assert.Contains("Prometheus:BaseUrl", ex.Message);
    }

    [Fact]
    public void A_404_without_json_names_the_path_and_the_setting()
    {
        var ex = Assert.Throws<PrometheusException>(() => Parse(404, "404 page not found"));
        Assert.Equal(PrometheusFailure.NotFound, ex.Failure);
        Assert.Contains("api/v1/query", ex.Message);
        Assert.Contains("Prometheus:BaseUrl", ex.Message);
    }

    [Fact]
    public void Json_without_a_status_is_a_protocol_error()
    {
        var ex = Assert.Throws<PrometheusException>(() => Parse(200, """{"hello":"world"}"""));
        Assert.Equal(PrometheusFailure.Protocol, ex.Failure);
    }

    [Fact]
    public void Times_are_sent_as_unix_seconds_with_milliseconds()
    {
        Assert.Equal("1700000000.25", PrometheusClient.FormatTime(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_250)));
        Assert.Equal("1700000000", PrometheusClient.FormatTime(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)));
    }
}
