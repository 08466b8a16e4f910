/** Chinese names of audit actions; an action not listed is shown as recorded. */
export const AUDIT_ACTIONS: Record<string, string> = {
  'staff.login': '登录',
  'staff.logout': '退出登录',
  'staff.create': '新建人员',
  'staff.disable': '停用人员',
  'staff.enable': '启用人员',
  'staff.password_reset': '重置他人密码',
  'staff.password_change': '修改本人密码',
  'areas.import': '导入村居',
  'resident.view_full': '查看居民完整信息',
  'referral.view_full': '查看救助个案完整信息',
  'referral.photo_view': '查看救助个案照片',
  'insurance.enrolment_view_full': '查看参保完整信息',
  'insurance.export_xlsx': '导出保险公司名单',
  'insurance.policy_import': '导入保单号',
  'insurance.product_create': '新建保险产品',
  'insurance.product_update': '修改保险产品',
  'talk.export_full': '导出讲座报名（完整）',
  'talk.export_masked': '导出讲座报名（脱敏）',
  'talk.cancel': '取消讲座',
  'talk.feedback.review': '审阅讲座反馈',
  'talk.call_list.view': '查看讲座通话名单',
  'talk.walk_in.add': '登记现场参加人员',
  'talk.walk_in.remove': '删除现场登记',
  'talk.registration.cancel': '取消讲座报名',
  'campaign.create': '新建宣传活动/广播',
  'campaign.update': '修改宣传活动草稿',
  'campaign.pending_review': '提交审核',
  'campaign.approved': '审核通过',
  'campaign.draft': '退回修改',
  'campaign.cancelled': '取消宣传活动/广播',
  'audit.export': '导出审计日志',
  'quiz.contest.create': '新建答题竞赛',
  'quiz.contest.stats_export': '导出竞赛统计',
  'quiz.question.import': '导入题目',
  'quiz.question.export': '导出题库',
  'bot.bind_code.create': '生成群绑定码',
  'bot.room.unbind': '解绑群',
  'bot.dead_item.retry': '重发失败消息',
  'report.yearly.generate': '生成年度报告',
  'report.yearly.submit': '报送年度报告',
  'report.yearly.return': '退回年度报告',
  'report.case.create': '撰写典型案例',
  'report.case.approved': '典型案例审核通过',
  'report.case.rejected': '典型案例退回',
  'report.case.photo_view': '查看典型案例照片',
  'staff.wechat_bind_code': '生成微信绑定码',
  'areas.rename': '村居改名',
  'areas.disable': '停用/启用村居',
  'bot.keyword.set': '修改群关键词回复',
  'quiz.contest.update': '修改答题竞赛',
  'quiz.contest.publish': '发布答题竞赛',
  'quiz.contest.close': '结束答题竞赛',
  'quiz.question.create': '新建题目',
  'quiz.question.update': '修改题目',
  'campaign.active': '开始发送',
  'campaign.finished': '发送完成',
  'care.family_register': '登记关怀家庭',
  'care.family_update': '修改关怀家庭',
  'care.family_view': '查看关怀家庭完整信息',
  'care.family_close': '关怀家庭移出名册',
  'care.consent_withdrawn': '关怀家庭撤回同意',
  'care.visits_view': '查看走访记录',
  'care.visit_add': '登记走访',
  'care.help_open': '登记求助',
  'care.help_view': '查看求助详情',
  'care.export': '导出关怀名册',
  'selection.create': '新建评选',
  'selection.nominate': '提名',
  'selection.nomination_view': '查看提名完整信息',
  'selection.nominee_consent': '记录被提名人同意',
  'selection.photo_view': '查看提名照片',
};

/** Chinese names of what an audit record is about. */
export const AUDIT_TARGETS: Record<string, string> = {
  staff: '人员', resident: '居民', talk: '讲座活动', area: '村居', areas: '村居', campaign: '宣传活动', referral: '救助个案',
  enrolment: '参保', 'insurance-product': '保险产品', 'quiz-contest': '答题竞赛', question: '题目', audit: '审计日志',
  report: '年度报告', 'typical-case': '典型案例', room: '微信群', care_family: '关怀家庭', care_help: '求助', selection: '评选',
  nomination: '提名',
};

/** Chinese names of the fields audit details carry. */
export const AUDIT_DETAIL_KEYS: Record<string, string> = {
  username: '用户名', displayName: '姓名', role: '角色', areaCode: '地区', reason: '原因', rows: '条数', rowCount: '条数',
  offset: '从第几条起', status: '状态', from: '原状态', note: '备注', year: '年份', format: '格式', count: '数量', walkInId: '现场登记编号',
  filters: '筛选条件', author: '作者', mergeInto: '合并到', name: '名称', code: '编码',
};

export const auditActionLabel = (action: string): string => AUDIT_ACTIONS[action] ?? action;

export const CAMPAIGN_STATUS: Record<string, { label: string; type: 'info' | 'warning' | 'success' | 'primary' | 'danger' }> = {
  draft: { label: '草稿', type: 'info' },
  pending_review: { label: '待审核', type: 'warning' },
  approved: { label: '已通过，待发送', type: 'primary' },
  active: { label: '进行中', type: 'primary' },
  finished: { label: '已发送', type: 'success' },
  cancelled: { label: '已取消', type: 'info' },
};

export const CAMPAIGN_KINDS: Record<string, string> = { campaign: '宣传活动', broadcast: '群广播', daily_tips: '每日健康提示' };

export const DELIVERY_STATUS: Record<string, { label: string; type: 'info' | 'warning' | 'success' | 'danger' }> = {
  pending: { label: '待发送', type: 'warning' },
  sent: { label: '已发送', type: 'success' },
  dead: { label: '发送失败', type: 'danger' },
  cancelled: { label: '已取消', type: 'info' },
};
