// Daily volume and fees of the last 30 days (approved, non-training sales per business day), as an ECharts chart.
import { Card, Col, Row, Statistic } from 'antd';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useMemo, useRef } from 'react';
import { withQuery } from '../lib/api';
import { useI18n } from '../lib/i18n';
import { formatFen } from '../lib/money';
import { dailySeries, lastDays, shanghaiDate, type DailyAmounts } from '../lib/series';
import { ErrorAlert, rowsOf, useApiGet } from '../components/common';
import { usePortalMerchantId } from './merchant';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

const windowDays = 30;

export function ReportsPage() {
  const { t } = useI18n();
  const merchantId = usePortalMerchantId();
  const dates = useMemo(() => lastDays(shanghaiDate(new Date()), windowDays), []);
  const path = merchantId
    ? withQuery(`/v1/merchants/${encodeURIComponent(merchantId)}/transactions/daily-totals`, { from: dates[0], to: dates[dates.length - 1] })
    : null;
  const statements = useApiGet<{ data: DailyAmounts[] }>(path);
  const series = useMemo(() => dailySeries(rowsOf(statements.data), dates), [statements.data, dates]);
  const element = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!element.current) return undefined;
    const chart = echarts.init(element.current);
    const money = (value: number) => formatFen(Math.round(value));
    chart.setOption({
      tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => money(Number(v)) },
      legend: { data: [t('reports.volume'), t('reports.fees')] },
      grid: { left: 8, right: 8, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: dates.map((d) => d.slice(5)) },
      yAxis: [
        { type: 'value', axisLabel: { formatter: (v: number) => money(v).replace(/\.00$/, '') } },
        { type: 'value', axisLabel: { formatter: (v: number) => money(v).replace(/\.00$/, '') } },
      ],
      series: [
        { name: t('reports.volume'), type: 'bar', data: series.gross, itemStyle: { color: '#c8102e' } },
        { name: t('reports.fees'), type: 'line', yAxisIndex: 1, data: series.fees, itemStyle: { color: '#1677ff' } },
      ],
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => { window.removeEventListener('resize', resize); chart.dispose(); };
  }, [dates, series, t]);

  const totalGross = series.gross.reduce((a, b) => a + b, 0);
  const totalFees = series.fees.reduce((a, b) => a + b, 0);
  return (
    <Card title={`${t('reports.title')} · ${t('reports.days', { days: windowDays })}`}>
      <ErrorAlert error={statements.error} />
      <Row gutter={16} style={{ marginBottom: 16 }}>
        <Col xs={12}><Statistic title={t('reports.volume')} value={formatFen(totalGross)} /></Col>
        <Col xs={12}><Statistic title={t('reports.fees')} value={formatFen(totalFees)} /></Col>
      </Row>
      <div ref={element} style={{ width: '100%', height: 360 }} data-testid="volume-chart" />
    </Card>
  );
}
